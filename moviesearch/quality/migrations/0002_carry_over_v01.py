from django.db import migrations

from moviesearch.legacy import carry_over


def forwards(apps, schema_editor):
    carry_over(
        apps, schema_editor, "moviesearch_quality",
        [("quality_savedquery", "SavedQuery"), ("quality_judgment", "Judgment")],
    )


class Migration(migrations.Migration):
    dependencies = [("moviesearch_quality", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
