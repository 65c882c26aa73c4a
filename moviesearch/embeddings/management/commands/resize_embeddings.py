from django.core.management.base import BaseCommand

from moviesearch.embeddings import encoder, schema


class Command(BaseCommand):
    help = "Fit the vector column to the configured model's dimension (drops vectors)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dimensions",
            type=int,
            default=None,
            help="Default: ask the configured model.",
        )

    def handle(self, *args, dimensions, **options):
        wanted = dimensions or encoder.dimensions()
        current = schema.column_dimensions()
        if wanted == current:
            self.stdout.write(f"The column already holds {current}-d vectors.")
            return
        schema.resize_column(wanted)
        self.stdout.write(
            f"Resized the column from {current} to {wanted} dimensions; every vector "
            "is now missing: run `python manage.py reindex`."
        )
