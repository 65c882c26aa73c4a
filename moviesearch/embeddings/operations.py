"""A migration operation for the host's app: the embedding column to another
dimension (another model). Stored vectors cannot be cast to another length, so it
clears them first; `reindex` embeds every movie again after `migrate`.
`manage.py resize_embeddings` writes the migration that uses it."""

from django.db import migrations
from pgvector.django import VectorField


class ResizeEmbedding(migrations.AlterField):
    """AlterField of `model_name.embedding` to vector(dimensions), vectors cleared."""

    def __init__(self, model_name: str, dimensions: int, name: str = "embedding"):
        self.dimensions = dimensions
        field = VectorField(dimensions=dimensions, null=True, editable=False)
        super().__init__(model_name=model_name, name=name, field=field)

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "dimensions": self.dimensions}
        if self.name != "embedding":
            kwargs["name"] = self.name
        return self.__class__.__name__, [], kwargs

    def _clear(self, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        quote = schema_editor.quote_name
        column = model._meta.get_field(self.name).column
        schema_editor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = NULL, "
            "embedding_hash = '', embedding_model = '', embedded_at = NULL"
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        # Backwards too: AlterField.database_backwards runs this with the states
        # swapped.
        self._clear(app_label, schema_editor, from_state)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def reduce(self, operation, app_label):
        """Never folded into a neighbouring AlterField (squashmigrations): the
        clearing would be lost."""
        return False

    def describe(self):
        return f"Resize {self.model_name}.{self.name} to {self.dimensions} dimensions"

    @property
    def migration_name_fragment(self):
        return f"{self.name}_{self.dimensions}d"
