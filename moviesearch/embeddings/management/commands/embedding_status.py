from django.core.management.base import BaseCommand, CommandError

from moviesearch.catalogue import movie_model
from moviesearch.embeddings.encoder import model_identity
from moviesearch.embeddings.related import latest_build, related_words_due


class Command(BaseCommand):
    help = "Count movies whose vectors are missing, current or stale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-not-current",
            type=int,
            default=None,
            help="Exit non-zero when missing + stale exceeds this (for monitoring).",
        )

    def handle(self, *args, max_not_current, **options):
        counts = movie_model().objects.embedding_counts()
        self.stdout.write(f"Model: {model_identity()}")
        for name in ("current", "stale", "missing"):
            self.stdout.write(f"{name:>8}: {counts[name]}")
        build = latest_build()
        due = " (due for a rebuild)" if related_words_due(build) else ""
        self.stdout.write(f"Related words: {build or 'none yet'}{due}")
        behind = counts["stale"] + counts["missing"]
        if max_not_current is not None and behind > max_not_current:
            raise CommandError(f"{behind} movies without a current vector")
