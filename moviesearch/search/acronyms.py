"""A title typed as its initials ("lotr", "potc", "gotg", "bttf"): the films whose
main title has them, and the query with them written out."""

import re

from moviesearch.catalogue import catalogue
from moviesearch.initials import TitleInitials, initials_indexed, main_title
from moviesearch.search import entities
from moviesearch.search.fame import fame_order, well_known

# Letters and digits of a word to look up (a shorter one is never an unknown
# word: "mib" may be a typo of any three-letter word).
LENGTH = (4, 6)
MAX_WORDS = 6  # words of a query that may hold one
ARTICLE_INITIALS = ("", "t", "a")  # as typed, or after "the" or "a"/"an"


def acronym_titles(
    queryset, text: str, found: entities.Entities
) -> tuple[list[int], str, dict[str, str]]:
    """The movies whose title's initials (moviesearch.initials) are a word of the
    query that no movie's text has, or only a movie or two's (Entities.unknown,
    .rare), the best known first; the query with that word written out as the
    best known one's main title ("lotr return of the king": "the lord of the
    rings return of the king"); and {typed: written}. Only when the best known film
    of the initials is well known (fame.well_known), and the host declares a
    popularity and indexes TitleInitials on its title."""
    spec = catalogue()
    title, fame = spec.title, spec.popularity
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    odd = (found.unknown | found.rare) - found.covered
    low, high = LENGTH
    typed = [w for w in words if w in odd and low <= len(w) <= high and w.isalnum()]
    if not typed or len(words) > MAX_WORDS or not title or "__" in title:
        return [], text, {}
    if not fame or not initials_indexed(queryset.model, title):
        return [], text, {}
    # The initials with an article's before them too: "lotr" is The Lord of the
    # Rings' ("tlotr"), "tdkr" The Dark Knight Rises'.
    forms = {f"{a}{w}": w for w in reversed(typed) for a in ARTICLE_INITIALS}
    rows = list(
        queryset.annotate(_initials=TitleInitials(title))
        .filter(_initials__in=sorted(forms))
        .order_by(*fame_order(spec), "pk")
        .values_list("pk", title, "_initials", fame)[:100]
    )
    for word in typed:  # the query's first word that is a known title's initials
        films = [row for row in rows if forms[row[2]] == word]
        if films and well_known(queryset.model, fame, films[0][3]):
            written = main_title(films[0][1])
            read = re.sub(rf"\b{re.escape(word)}\b", written, text, flags=re.I)
            return [row[0] for row in films], read, {word: written}
    return [], text, {}
