from django.db import migrations

from moviesearch.legacy import carry_over


def forwards(apps, schema_editor):
    carry_over(
        apps, schema_editor, "moviesearch_recommendations",
        [("recommendations_interaction", "Interaction")],
    )


class Migration(migrations.Migration):
    dependencies = [("moviesearch_recommendations", "0002_colike_together_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
