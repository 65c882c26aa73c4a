from pathlib import Path

from django.core.management.base import BaseCommand

from catalog.importer import movies_import, read_lines

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo catalogue shipped with moviesearch (idempotent)."

    def handle(self, *args, **options):
        lines = (
            line
            for path in sorted(DEMO_DIR.glob("*.jsonl"))
            for line in read_lines(path)
        )
        report = movies_import(lines=lines)
        self.stdout.write(f"Demo catalogue: {report.summary()}.")
