from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from moviesearch.recommendations.importer import interactions_import
from moviesearch.recommendations.services import colikes_rebuild

# A bad file, or a declaration without tmdb_id (ImproperlyConfigured).
FAILURES = (ValueError, UnicodeDecodeError, OSError, ImproperlyConfigured)


class Command(BaseCommand):
    help = (
        "Import ratings in MovieLens format (ratings.csv + links.csv, plain or .gz) "
        "as interactions, matched to films by TMDB id; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("ratings", type=Path, help="ratings.csv[.gz]")
        parser.add_argument("links", type=Path, help="links.csv[.gz]")
        parser.add_argument(
            "--source", default="movielens", help="visitors become SOURCE:userId"
        )
        parser.add_argument(
            "--no-rebuild", action="store_true", help="leave co-likes to the worker"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, ratings, links, source, no_rebuild, no_progress, **opts):
        for path in (ratings, links):
            if not path.is_file():
                raise CommandError(f"{path} is not a file")
        if not source or ":" in source or len(source) > 40:
            raise CommandError("--source must be 1-40 characters without ':'")
        with tqdm(unit="rating", disable=no_progress, file=self.stderr._out) as bar:
            try:
                report = interactions_import(
                    ratings=ratings, links=links, source=source, progress=bar
                )
            except FAILURES as exc:
                raise CommandError(str(exc)) from exc
        for line, message in report.bad[:50]:
            self.stderr.write(f"line {line}: {message}")
        if len(report.bad) > 50:
            self.stderr.write(f"... and {len(report.bad) - 50} more bad lines")
        pairs = None if no_rebuild else colikes_rebuild()
        self.stdout.write(
            f"Imported {ratings.name}: {report.written} ratings of "
            f"{len(report.users)} visitors, {report.unknown} of unknown films "
            f"skipped, {len(report.bad)} bad lines"
            + ("" if pairs is None else f"; {pairs} co-liked pairs")
            + "."
        )
