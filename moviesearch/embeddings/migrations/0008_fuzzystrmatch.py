from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """fuzzystrmatch (PostgreSQL contrib, a trusted extension): levenshtein() for
    names typed with two letters swapped (moviesearch.search.people)."""

    dependencies = [("moviesearch_embeddings", "0007_posting_movie_lexeme")]

    operations = [CreateExtension("fuzzystrmatch")]
