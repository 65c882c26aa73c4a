"""Rows carried over from moviesearch 0.1, whose apps had the labels `recommendations`
and `quality` (tables `recommendations_interaction`, `quality_savedquery`, ...).
The renamed apps' migrations copy what visitors and editors made; derived tables
(co-likes, like counts, BM25 postings) are rebuilt instead."""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def carry_over(apps, schema_editor: BaseDatabaseSchemaEditor, app_label, pairs):
    """For each (old table, model name): when the old table exists, copy its rows
    into the model's table (same columns, same ids) and move the id sequence on."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for old, name in pairs:
            cursor.execute("SELECT to_regclass(%s)", [old])
            if cursor.fetchone()[0] is None:
                continue
            model = apps.get_model(app_label, name)
            table = model._meta.db_table
            columns = ", ".join(
                quote(f.column) for f in model._meta.local_concrete_fields
            )
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) "
                f"SELECT {columns} FROM {quote(old)} ON CONFLICT DO NOTHING"
            )
            pk = model._meta.pk.column
            highest = f"(SELECT max({quote(pk)}) FROM {quote(table)})"
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"coalesce({highest}, 0) + 1, false)",
                [table, pk],
            )
