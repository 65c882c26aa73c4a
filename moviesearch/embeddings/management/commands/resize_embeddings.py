"""Write the host's migration that gives the embedding column the configured
model's dimension (moviesearch.embeddings.operations.ResizeEmbedding)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import MigrationWriter

from moviesearch.catalogue import movie_model
from moviesearch.embeddings import encoder
from moviesearch.embeddings.operations import ResizeEmbedding


class Command(BaseCommand):
    help = (
        "Write the migration that fits the movie model's vector column to the "
        "configured model's dimension (then: migrate, reindex)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dimensions",
            type=int,
            default=None,
            help="Default: ask the configured model.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the migration, write nothing."
        )

    def handle(self, *args, dimensions, dry_run, **options):
        wanted = dimensions or encoder.dimensions()
        model = movie_model()
        declared = model._meta.get_field("embedding").dimensions
        if declared != wanted:
            raise CommandError(
                f"{model._meta.label}.embedding is vector({declared}); set "
                f"EMBEDDING_DIMENSIONS = {wanted} in settings (the field reads it), "
                "then run resize_embeddings again."
            )
        app_label = model._meta.app_label
        loader = MigrationLoader(None, ignore_no_migrations=True)
        state = loader.project_state().models[app_label, model._meta.model_name]
        if state.fields["embedding"].dimensions == wanted:
            self.stdout.write(
                f"The migrations already make vector({wanted}); run `migrate`, "
                "then `reindex`."
            )
            return
        migration = migrations.Migration(f"embedding_{wanted}d", app_label)
        migration.dependencies = loader.graph.leaf_nodes(app_label)
        migration.operations = [ResizeEmbedding(model._meta.model_name, wanted)]
        number = max(
            (int(name[:4]) for _, name in migration.dependencies if name[:4].isdigit()),
            default=0,
        )
        migration.name = f"{number + 1:04d}_embedding_{wanted}d"
        writer = MigrationWriter(migration)
        if dry_run:
            self.stdout.write(writer.as_string())
            return
        with open(writer.path, "w", encoding="utf-8") as handle:
            handle.write(writer.as_string())
        self.stdout.write(
            f"Wrote {writer.path}: `python manage.py migrate` clears the vectors and "
            f"makes the column vector({wanted}); then `python manage.py reindex`."
        )
