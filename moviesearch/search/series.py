"""The n-th film of a series whose titles do not number it: "harry potter 3" is
Harry Potter and the Prisoner of Azkaban, "lord of the rings 2" The Two Towers.
Titles that number it ("rocky 4": Rocky IV, "toy story 2") are left to the exact
titles and the lexical side (search.lexical.ROMAN)."""

import re

from django.db.models.functions import Lower

from moviesearch.catalogue import catalogue
from moviesearch.search.fame import fame_order, least_famous
from moviesearch.search.lexical import ROMAN

# "harry potter 3", "lord of the rings part 2": a series of one to five words and a
# number 1-9.
NUMBERED = re.compile(r"^(?P<series>\D{4,}?)\s+(?:part\s+)?(?P<n>[1-9])$")
SERIES_WORDS = 5
# The films read: the best known whose title holds the series' words.
SERIES_FILMS = 50
# Titles ordered otherwise than by release ("Star Wars: Episode I" came out in
# 1999): such a series is not counted.
OWN_ORDER = re.compile(r"\bepisode\b")


def nth_in_series(queryset, text: str) -> list[int]:
    """[the n-th well-known film, by release year, whose title holds the query's
    words before the number], or [] where the query is no such request, the series
    is shorter, one of its titles numbers it (the n as a word or a Roman numeral),
    or another of its films came out the same year."""
    found = NUMBERED.match(" ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split()))
    if not found:  # most queries: no statement, no declaration read
        return []
    spec = catalogue()
    if not (spec.title and spec.popularity and spec.year):
        return []
    series, n = found["series"].strip(), int(found["n"])
    if len(series.split()) > SERIES_WORDS:
        return []
    model = queryset.model
    rows = list(
        model._default_manager.annotate(_t=Lower(spec.title))
        .filter(_t__contains=series)
        .order_by(*fame_order(spec), "pk")
        .values_list("pk", "_t", spec.popularity, spec.year)[:SERIES_FILMS]
    )
    least = least_famous(model, spec.popularity)
    words = re.compile(rf"(?<!\w){re.escape(series)}(?!\w)")  # "matrix": no Animatrix
    known = [
        (pk, title, year)
        for pk, title, fame, year in rows
        if fame is not None and (least is None or fame >= least) and words.search(title)
    ]
    # A title that numbers the film, well known or not ("toy story 2", "star trek
    # ii"): exact titles and the lexical side find it. A part of one film
    # ("Deathly Hallows: Part 2") numbers no series.
    numeral = ROMAN.get(str(n))
    numbered = re.compile(rf"(?<!part )\b(?:{n}{'|' + numeral if numeral else ''})\b")
    if len(known) < n or any(
        numbered.search(t) or OWN_ORDER.search(t) for _, t, _, _ in rows
    ):
        return []
    known.sort(key=lambda r: (r[2] is None, r[2], r[0]))
    pk, _, year = known[n - 1]
    years = [y for _, _, y in known]
    if year is None or years.count(year) > 1:  # two that year: which came first?
        return []
    return [pk] if queryset.filter(pk=pk).exists() else []
