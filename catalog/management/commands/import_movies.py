from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.importer import movies_import, read_lines


class Command(BaseCommand):
    help = "Import movies from a JSON Lines file (plain or .gz); upserts by TMDB id."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--limit", type=int, default=0, help="Stop after N lines.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path: Path, batch_size, limit, no_progress, **options):
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        total = sum(1 for _ in read_lines(path))
        if limit:
            total = min(total, limit)
        lines = read_lines(path)
        if limit:
            lines = (line for _, line in zip(range(limit), lines, strict=False))
        with tqdm(
            total=total, unit="movie", disable=no_progress, file=self.stderr._out
        ) as bar:
            report = movies_import(
                lines=lines, batch_size=batch_size, on_progress=bar.update
            )
        for error in report.errors[:50]:
            self.stderr.write(error)
        if len(report.errors) > 50:
            self.stderr.write(f"... and {len(report.errors) - 50} more bad lines")
        self.stdout.write(f"Imported {path.name}: {report.summary()}.")
        if report.created or report.updated:
            self.stdout.write("Run `python manage.py reindex` to embed them.")
