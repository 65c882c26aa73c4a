"""Recognise the catalogue's people and genres named in a query."""

import re
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from catalog.models import Genre, Person

WORD = re.compile(r"[\w'’.-]+")
DIRECTOR_HINTS = {"directed", "director", "directors", "by", "filmmaker"}
CAST_HINTS = {"starring", "stars", "star", "actor", "actress", "with", "featuring"}


@dataclass
class Entities:
    people: dict[int, str] = field(default_factory=dict)
    genres: dict[int, str] = field(default_factory=dict)
    role: str | None = None  # "director" or "cast" when the query says so

    def __bool__(self):
        return bool(self.people or self.genres)


def _ngrams(words: list[str], low: int, high: int) -> set[str]:
    return {
        " ".join(words[i : i + n])
        for n in range(low, high + 1)
        for i in range(len(words) - n + 1)
    }


def recognise(text: str) -> Entities:
    """Find full person names (2-4 words) and genre names in the query."""
    words = [w.strip(".'’").casefold() for w in WORD.findall(text)][:40]
    words = [w for w in words if w]
    found = Entities()
    if not words:
        return found
    names = _ngrams(words, 2, 4)
    if names:
        found.people = dict(
            Person.objects.annotate(key=Lower("name"))
            .filter(key__in=names)
            .values_list("pk", "name")[:10]
        )
    genre_words = _ngrams(words, 1, 2) | {w.rstrip("s") for w in words}
    found.genres = dict(
        Genre.objects.annotate(key=Lower("name"))
        .filter(key__in=genre_words)
        .values_list("pk", "name")
    )
    if found.people:
        spoken = set(words)
        if spoken & DIRECTOR_HINTS:
            found.role = "director"
        elif spoken & CAST_HINTS:
            found.role = "cast"
    return found
