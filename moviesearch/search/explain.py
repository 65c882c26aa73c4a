"""Why each search result matched: the person, genre, keyword, studio or decade
the query named, its title, or the words of its overview, highlighted in a snippet."""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQueryField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from moviesearch.catalogue import catalogue, movie_model, value
from moviesearch.embeddings.models import Fact
from moviesearch.search.lexical import query_lexemes_sql
from moviesearch.search.spelling import corrected

# Private-use characters mark the matched words, so that the overview can be
# escaped as a whole before they become <mark> elements: only <mark> is markup.
START, STOP = "\ue000", "\ue001"
MARKED = re.compile(f"{START}(.*?){STOP}")
WORD = re.compile(r"\w[\w'’-]*")
CONFIG = "english"
# Words too common to be a reason ("a movie with ..." and "The Movie").
TITLE_IGNORES = {
    "a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "with", "by",
    "from", "about", "movie", "movies", "film", "films", "me", "my", "i", "is",
}  # fmt: skip


def explain_results(*, text: str, movies: list, entities=None) -> None:
    """Set `because` (reasons, most specific first) and `snippet` (safe HTML, the
    overview's matched words in <mark>, or "" when none) on a page of movies."""
    if not movies:
        return
    if entities is None:
        from moviesearch.search.entities import recognise

        entities = recognise(text)
    # Misspelled words as read ("lawer" → "lawyer"): the overview says "lawyer".
    text = corrected(text, getattr(entities, "spelled", None) or {})
    snippets = _snippets(text, [m.pk for m in movies])
    facts = _facts(entities, movies)
    wanted = _normal(text)
    content = [w for w in dict.fromkeys(wanted.split()) if w not in TITLE_IGNORES]
    spec = catalogue()
    for movie in movies:
        year = value(movie, spec.year) if spec.year else None
        reasons = _named(entities, year, facts.get(movie.pk, set()))
        title = _normal(str(value(movie, spec.title) or ""))
        titles = {_normal(str(value(movie, t) or "")) for t in spec.titles}
        if wanted and wanted in titles | {title}:
            reasons.insert(0, "Title match")
        elif shared := [w for w in content if w in title.split()]:
            reasons.append("Title has " + ", ".join(f"“{w}”" for w in shared[:4]))
        snippet = snippets.get(movie.pk, "")
        words = list(dict.fromkeys(w.lower() for w in MARKED.findall(snippet)))
        if words:
            quoted = ", ".join(f"“{w}”" for w in words[:4])
            reasons.append(f"Overview mentions {quoted}")
        movie.because = reasons or [
            "Loosely related in meaning"
            if getattr(movie, "match", "strong") == "loose"
            else "Close in meaning to your search"
        ]
        movie.snippet = _html(snippet) if words else ""


def _named(entities, year, facts: set[tuple[int, str]]) -> list[str]:
    """Reasons from what the query named and this movie (of this year) has
    ((name id, role))."""
    reasons = []
    for pk, name in entities.people.items():
        if (pk, "director") in facts:
            reasons.append(f"Directed by {name}")
        elif (pk, "cast") in facts:
            reasons.append(f"Starring {name}")
    reasons += [
        f"Genre: {name}"
        for pk, name in entities.genres.items()
        if (pk, "genre") in facts
    ]
    reasons += [
        f"About {name}"
        for pk, name in entities.keywords.items()
        if (pk, "keyword") in facts
    ]
    made = [n for pk, n in entities.studio_names.items() if (pk, "studio") in facts]
    if made:  # "pixar movies": "From Pixar Animation Studios"
        reasons.append("From " + " and ".join(made[:2]))
    if entities.years and year:
        start, end = entities.years
        if start <= year <= end:
            reasons.append(f"From the {start}s ({year})")
    return reasons


def _facts(entities, movies: list) -> dict[int, set[tuple[int, str]]]:
    """The named people, genres, keywords and studios each movie has, by role (one
    query)."""
    named = [
        *entities.people,
        *entities.genres,
        *entities.keywords,
        *entities.studio_names,
    ]
    if not named:
        return {}
    found: dict[int, set[tuple[int, str]]] = {}
    rows = Fact.objects.filter(
        movie_id__in=[m.pk for m in movies], name_id__in=named
    ).values_list("movie_id", "name_id", "role")
    for movie_id, name_id, role in rows:
        found.setdefault(movie_id, set()).add((name_id, role))
    return found


# Any of the lexemes BM25 read (NULL when the words are all stop words: no
# headline).
_QUERY_SQL = """(
  SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | '))
  FROM ({lexemes}) AS l(lexeme, weight)
)"""


def _snippets(text: str, ids: list[int]) -> dict[int, str]:
    """The overview of each movie with the query's words marked (one query)."""
    words, summary = WORD.findall(text)[:20], catalogue().summary
    if not words or not summary:
        return {}
    # Any of the words, not all: a description rarely shares every word; and the
    # words related to them that BM25 read (moviesearch.search.lexical: "attorney"
    # for "lawyer"), in the same statement.
    query = RawSQL(
        _QUERY_SQL.format(lexemes=query_lexemes_sql()),
        [" ".join(words)] * 2,
        output_field=SearchQueryField(),
    )
    headline = SearchHeadline(
        summary,
        query,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_fragments=2,
        max_words=18,
        min_words=8,
        fragment_delimiter=" … ",
    )
    rows = movie_model().objects.filter(pk__in=ids).annotate(headline=headline)
    return {pk: headline or "" for pk, headline in rows.values_list("pk", "headline")}


def _html(snippet: str) -> SafeString:
    """Escape the snippet, then turn each pair of markers into a <mark> element."""
    html = MARKED.sub(r"<mark>\1</mark>", escape(snippet))
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # escaped above


def _normal(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))
