"""Import rating histories (MovieLens format) as interactions, idempotently."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.recommendations.models import Interaction
from moviesearch.recommendations.movielens import Problems, links_read, ratings_read

BATCH = 5000


@dataclass
class ImportReport:
    written: int = 0
    unknown: int = 0  # ratings of films the catalogue does not have
    bad: list[tuple[int, str]] = field(default_factory=list)
    users: set[str] = field(default_factory=set)


def films_by_tmdb_id() -> dict[int, int]:
    """{TMDB id: movie pk} of the films that have one (Catalogue.tmdb_id): what
    MovieLens links point at. ImproperlyConfigured when the declaration has none."""
    path = catalogue().tmdb_id
    if not path:
        raise ImproperlyConfigured(
            "moviesearch: the catalogue declaration has no tmdb_id, so MovieLens "
            "ratings cannot be matched to its films (set Catalogue.tmdb_id)."
        )
    films = movie_model().objects.filter(**{f"{path}__isnull": False})
    return dict(films.values_list(path, "pk"))


def interactions_import(
    *, ratings: Path, links: Path, source: str = "movielens", progress=None
) -> ImportReport:
    """Upsert each rating as a `rated` interaction of visitor `source:userId`, at
    its timestamp; a second run of the same files changes nothing."""
    by_tmdb_id = films_by_tmdb_id()
    problems = Problems()
    link_map = links_read(links, problems)
    report, batch = ImportReport(), []
    for rating in ratings_read(ratings, link_map, problems):
        if progress is not None:
            progress.update(1)
        movie_id = by_tmdb_id.get(rating.tmdb_id)
        if movie_id is None:
            report.unknown += 1
            continue
        report.users.add(rating.user)
        batch.append(
            Interaction(
                external_id=f"{source}:{rating.user}",
                movie_id=movie_id,
                kind=Interaction.Kind.RATED,
                rating=rating.rating,
                created_at=datetime.fromtimestamp(rating.timestamp, UTC),
            )
        )
        if len(batch) >= BATCH:
            report.written += _upsert(batch)
            batch = []
    report.written += _upsert(batch)
    report.unknown += problems.unlinked
    report.bad = problems.bad
    return report


def _upsert(batch: list[Interaction]) -> int:
    # A file may rate a film twice for one user: the last line wins.
    unique = {(i.external_id, i.movie_id): i for i in batch}
    with transaction.atomic():
        Interaction.objects.bulk_create(
            unique.values(),
            update_conflicts=True,
            unique_fields=["external_id", "movie", "kind"],
            update_fields=["rating", "created_at"],
        )
    return len(unique)
