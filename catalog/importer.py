"""Import JSON Lines catalogues in bulk: upsert movies and their relations."""

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from catalog.models import Company, Credit, Genre, Keyword, Movie, Person
from catalog.records import SCALARS, MovieRecord, RecordError, parse_record
from moviesearch import indexing


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    movie_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
        )


def read_lines(path: Path) -> Iterator[str]:
    """Yield the lines of a plain or gzip-compressed JSON Lines file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        yield from fh


def movies_import(
    *,
    lines: Iterable[str],
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert every valid line; report bad lines by number and never stop on them."""
    report = ImportReport()
    batch: dict[tuple, MovieRecord] = {}
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                record = parse_record(json.loads(line))
            except json.JSONDecodeError as exc:
                _skip(report, number, "malformed JSON", exc.msg)
            except RecordError as exc:
                _skip(report, number, "invalid field", str(exc))
            else:
                if record.key in batch:  # a repeated movie: the later line wins
                    report.skipped["duplicate in file"] += 1
                batch[record.key] = (number, record)
        if len(batch) >= batch_size:
            _import_batch(report, batch)
            batch = {}
        if on_progress:
            on_progress(1)
    if batch:
        _import_batch(report, batch)
    if report.created or report.updated:
        indexing.analyze(
            Movie, Genre, Keyword, Person, Credit, *indexing.index_models()
        )
    return report


def _skip(report: ImportReport, number: int, reason: str, detail: str) -> None:
    report.skipped[reason] += 1
    report.errors.append(f"line {number}: {reason}: {detail}")


def _import_batch(report: ImportReport, batch: dict) -> None:
    try:
        with transaction.atomic():
            _save(report, list(batch.values()))
    except DatabaseError:
        # Find the offending rows one by one; the good rows still land.
        for number, record in batch.values():
            try:
                with transaction.atomic():
                    _save(report, [(number, record)])
            except DatabaseError as exc:
                _skip(report, number, "rejected by database", str(exc).strip())


def _existing(records: list[MovieRecord]) -> dict[tuple, Movie]:
    tmdb = [r.values["tmdb_id"] for r in records if r.key[0] == "tmdb"]
    imdb = [r.values["imdb_id"] for r in records if r.key[0] == "imdb"]
    titles = [r.values["title"] for r in records if r.key[0] == "title"]
    found = {}
    qs = Movie.objects.prefetch_related(
        "genres", "keywords", "companies", "credits__person"
    )
    for m in qs.filter(tmdb_id__in=tmdb):
        found[("tmdb", m.tmdb_id)] = m
    for m in qs.filter(imdb_id__in=imdb, tmdb_id__isnull=True):
        found[("imdb", m.imdb_id)] = m
    for m in qs.filter(title__in=titles, tmdb_id__isnull=True, imdb_id__isnull=True):
        found[("title", m.title.casefold(), m.year)] = m
    return found


def _relations(movie: Movie) -> tuple:
    return (
        sorted(g.name for g in movie.genres.all()),
        sorted(k.name for k in movie.keywords.all()),
        movie.directors(),
        movie.cast(),
        sorted(c.name for c in movie.companies.all()),
    )


def _name_ids(model, names: set[str]) -> dict[str, int]:
    model.objects.bulk_create(
        [model(name=n) for n in names], ignore_conflicts=True, batch_size=1000
    )
    return dict(model.objects.filter(name__in=names).values_list("name", "id"))


def _save(report: ImportReport, rows: list[tuple[int, MovieRecord]]) -> None:
    records = [r for _, r in rows]
    existing = _existing(records)
    to_create, to_update, changed = [], [], []
    for record in records:
        movie = existing.get(record.key)
        wanted = (
            sorted(record.genres),
            sorted(record.keywords),
            record.directors,
            record.cast,
            sorted(record.companies),
        )
        if movie is None:
            movie = Movie(**record.values)
            to_create.append(movie)
        elif any(getattr(movie, f) != record.values[f] for f in SCALARS):
            for name, value in record.values.items():
                setattr(movie, name, value)
            to_update.append(movie)
        elif _relations(movie) == wanted:
            report.unchanged += 1
            continue
        else:
            to_update.append(movie)
        changed.append((movie, record))

    with indexing.bulk_write():
        Movie.objects.bulk_create(to_create, batch_size=500)
        Movie.objects.bulk_update(to_update, SCALARS + ["updated_at"], batch_size=500)
        _replace_relations(changed)
    ids = [m.pk for m, _ in changed]
    indexing.refresh_documents(ids)
    report.created += len(to_create)
    report.updated += len(to_update)
    report.movie_ids.extend(ids)


# The movie's many-to-many names: the field, and the record's list of the same name
# (linked in the record's order: the genre links' order is TMDB's).
NAMED = (("genres", Genre), ("keywords", Keyword), ("companies", Company))


def _replace_relations(changed: list[tuple[Movie, MovieRecord]]) -> None:
    ids = [m.pk for m, _ in changed]
    for relation, model in NAMED:
        names = {n for _, r in changed for n in getattr(r, relation)}
        name_ids = _name_ids(model, names)
        link = getattr(Movie, relation).through
        link.objects.filter(movie_id__in=ids).delete()
        column = f"{model._meta.model_name}_id"
        link.objects.bulk_create(
            [
                link(movie_id=m.pk, **{column: name_ids[n]})
                for m, r in changed
                for n in getattr(r, relation)
            ],
            batch_size=2000,
        )
    person_ids = _name_ids(
        Person, {p for _, r in changed for p in r.directors + r.cast}
    )
    Credit.objects.filter(movie_id__in=ids)._raw_delete(Credit.objects.db)
    credits = [
        Credit(movie_id=m.pk, person_id=person_ids[name], role=role, order=i)
        for m, r in changed
        for role, names in (("director", r.directors), ("cast", r.cast))
        for i, name in enumerate(names)
    ]
    Credit.objects.bulk_create(credits, batch_size=2000)
