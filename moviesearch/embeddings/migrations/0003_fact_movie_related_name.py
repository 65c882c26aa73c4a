"""A movie's facts are reachable from it (movie.moviesearch_facts), so result pages
prefetch them; no change in the database."""

import django.db.models.deletion
from django.db import migrations, models

from moviesearch.conf import movie_model_label

MOVIE_MODEL = movie_model_label()


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(MOVIE_MODEL),
        ("moviesearch_embeddings", "0002_names_and_facts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fact",
            name="movie",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="moviesearch_facts",
                to=MOVIE_MODEL,
            ),
        ),
    ]
