"""Read MovieLens-format ratings (ratings.csv + links.csv, plain or .gz)."""

import csv
import gzip
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from moviesearch.recommendations.services import BadInteraction, rating_parse


@dataclass(frozen=True)
class Rating:
    user: str
    tmdb_id: int
    rating: Decimal
    timestamp: int


@dataclass
class Problems:
    bad: list[tuple[int, str]] = field(default_factory=list)
    unlinked: int = 0  # ratings of a film links.csv gives no TMDB id for


def open_text(path: Path):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _rows(path: Path, columns: set[str]):
    """(line number, row) pairs; a missing header column is an error."""
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        missing = columns - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path.name}: missing columns {', '.join(sorted(missing))}"
            )
        for row in reader:
            yield reader.line_num, row


def links_read(path: Path, problems: Problems) -> dict[str, int]:
    """MovieLens movieId → TMDB id; bad lines are noted in problems."""
    links = {}
    for line, row in _rows(path, {"movieId", "tmdbId"}):
        tmdb = (row.get("tmdbId") or "").strip()
        if not tmdb:
            continue  # MovieLens has films TMDB does not
        if not tmdb.isdigit():
            problems.bad.append((line, f"{path.name}: tmdbId {tmdb!r} is not a number"))
            continue
        links[(row["movieId"] or "").strip()] = int(tmdb)
    return links


def ratings_read(ratings: Path, links: dict[str, int], problems: Problems):
    """Yield each good rating; bad lines are noted with their number."""
    for line, row in _rows(ratings, {"userId", "movieId", "rating", "timestamp"}):
        user = (row.get("userId") or "").strip()
        stamp = (row.get("timestamp") or "").strip()
        if not user or not stamp.isdigit():
            problems.bad.append((line, "userId or timestamp missing or not a number"))
            continue
        try:
            rating = rating_parse(row.get("rating") or "")
        except BadInteraction as exc:
            problems.bad.append((line, str(exc)))
            continue
        tmdb = links.get((row.get("movieId") or "").strip())
        if tmdb is None:
            problems.unlinked += 1
            continue
        yield Rating(user, tmdb, rating, int(stamp))
