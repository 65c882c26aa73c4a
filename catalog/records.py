"""Parse and validate one catalogue record (a JSON Lines row) into clean values."""

import datetime as dt
from dataclasses import dataclass, field

SCALARS = [
    "title",
    "original_title",
    "year",
    "release_date",
    "overview",
    "tagline",
    "runtime",
    "original_language",
    "popularity",
    "vote_average",
    "vote_count",
    "tmdb_id",
    "imdb_id",
]


class RecordError(ValueError):
    """A record that cannot be imported; the message says which field and why."""


@dataclass
class MovieRecord:
    values: dict
    genres: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """Identity used to upsert: TMDB id, else IMDb id, else title + year."""
        v = self.values
        if v["tmdb_id"] is not None:
            return ("tmdb", v["tmdb_id"])
        if v["imdb_id"]:
            return ("imdb", v["imdb_id"])
        return ("title", v["title"].casefold(), v["year"])


def _text(data, name, max_length, required=False):
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RecordError(f"{name} must be a string")
    value = " ".join(value.split()) if max_length else value.strip()
    if required and not value:
        raise RecordError(f"{name} is required")
    if max_length and len(value) > max_length:
        raise RecordError(f"{name} is longer than {max_length} characters")
    return value


def _number(data, name, kind, low, high):
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(f"{name} must be a number")
    try:
        value = kind(value)
    except (TypeError, ValueError):
        raise RecordError(f"{name} must be a number, not {value!r}") from None
    if kind is float and value != value:
        raise RecordError(f"{name} must be a number, not NaN")
    if not low <= value <= high:
        raise RecordError(f"{name} {value} is outside {low}..{high}")
    return value


def _names(data, name, max_length=200):
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise RecordError(f"{name} must be a list of strings")
    seen, names = set(), []
    for item in value:
        item = " ".join(item.split())
        if item and item.casefold() not in seen and len(item) <= max_length:
            seen.add(item.casefold())
            names.append(item)
    return names


def _date(data, name):
    value = data.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"{name} must be a YYYY-MM-DD date") from None


def parse_record(data) -> MovieRecord:
    """Validate one decoded JSON object; raise RecordError saying what is wrong."""
    if not isinstance(data, dict):
        raise RecordError("line is not a JSON object")
    values = {
        "title": _text(data, "title", 300, required=True),
        "original_title": _text(data, "original_title", 300),
        "year": _number(data, "year", int, 1870, 2100),
        "release_date": _date(data, "release_date"),
        "overview": _text(data, "overview", 0),
        "tagline": _text(data, "tagline", 500),
        "runtime": _number(data, "runtime", int, 0, 32767),
        "original_language": _text(data, "original_language", 12),
        "popularity": _number(data, "popularity", float, 0, 1e9) or 0.0,
        "vote_average": _number(data, "vote_average", float, 0, 10),
        "vote_count": _number(data, "vote_count", int, 0, 2**31 - 1),
        "tmdb_id": _number(data, "tmdb_id", int, 1, 2**31 - 1),
        "imdb_id": _text(data, "imdb_id", 16) or None,
    }
    if values["year"] is None and values["release_date"]:
        values["year"] = values["release_date"].year
    return MovieRecord(
        values=values,
        genres=_names(data, "genres", 64),
        keywords=_names(data, "keywords", 128),
        directors=_names(data, "directors"),
        cast=_names(data, "cast"),
        companies=_names(data, "production_companies"),
    )
