import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_title_upper_indexes"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Lower("name"),
                    name="gin_trgm_ops",
                ),
                name="person_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="movie",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Lower("title"),
                    name="gin_trgm_ops",
                ),
                name="movie_title_trgm",
            ),
        ),
    ]
