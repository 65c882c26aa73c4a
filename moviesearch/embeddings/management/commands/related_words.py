from django.core.management.base import BaseCommand

from moviesearch.embeddings.related import MAX_MOVIES, related_words_refresh


class Command(BaseCommand):
    help = (
        "Rebuild the words related in meaning that keyword ranking adds to a query "
        '("lawyer" → "attorney"), with the configured model.'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-movies",
            type=int,
            default=MAX_MOVIES,
            help=f"Read the vocabulary from at most this many movies ({MAX_MOVIES}).",
        )

    def handle(self, *args, max_movies, **options):
        build = related_words_refresh(max_movies=max_movies)
        self.stdout.write(f"Related words: {build}.")
