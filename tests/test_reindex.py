"""reindex, embedding_status and resize_embeddings as an operator runs them."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from catalog.models import Movie
from moviesearch.embeddings import encoder, schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def movies(make_movie):
    return [make_movie(f"Film {i}", 1990 + i, genres=["Drama"]) for i in range(7)]


def test_reindex_modes_and_summary(movies, fake_encoder, capsys):
    call_command("reindex", "--no-progress", "--batch-size", "3")
    assert "7 embedded, 0 unchanged, 0 failed" in capsys.readouterr().out
    Movie.objects.filter(pk=movies[0].pk).update(overview="changed behind our back")
    from moviesearch.embeddings.services import movie_refresh_documents

    movie_refresh_documents(movie_ids=[movies[0].pk])
    call_command("reindex", "--no-progress")  # --missing: nothing is missing
    assert "0 embedded" in capsys.readouterr().out
    call_command("reindex", "--stale", "--no-progress")
    assert "1 embedded, 0 unchanged" in capsys.readouterr().out
    call_command("reindex", "--all", "--no-progress")
    assert "7 embedded" in capsys.readouterr().out


def test_reindex_resumes_where_it_stopped(movies, fake_encoder, monkeypatch, capsys):
    from moviesearch.embeddings import services

    real = services.movies_embed
    calls = []

    def interrupted(**kwargs):
        calls.append(kwargs["movie_ids"])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(
        "moviesearch.embeddings.management.commands.reindex.movies_embed", interrupted
    )
    with pytest.raises(KeyboardInterrupt):
        call_command("reindex", "--no-progress", "--batch-size", "3")
    assert Movie.objects.embedding_counts() == {"missing": 4, "current": 3, "stale": 0}
    assert schema.hnsw_index_exists()
    monkeypatch.undo()
    call_command("reindex", "--no-progress", "--batch-size", "3")
    assert "4 embedded" in capsys.readouterr().out


def test_failed_batch_is_counted_and_retried_next_run(
    movies, fake_encoder, monkeypatch
):
    def broken(texts, **kwargs):
        raise RuntimeError("model crashed")

    monkeypatch.setattr(fake_encoder, "encode", broken)
    with pytest.raises(CommandError, match="7 movies failed"):
        call_command("reindex", "--no-progress")
    assert Movie.objects.embedding_counts()["missing"] == 7


def test_reindex_drops_and_rebuilds_index_for_large_runs(
    movies, fake_encoder, monkeypatch
):
    from moviesearch.embeddings.management.commands import reindex

    dropped = []
    monkeypatch.setattr(reindex, "REBUILD_INDEX_ABOVE", 5)
    monkeypatch.setattr(schema, "drop_hnsw_index", lambda: dropped.append(True))
    call_command("reindex", "--no-progress")
    assert dropped and schema.hnsw_index_exists()


def test_reindex_async_enqueues_batches(movies, monkeypatch, capsys):
    from moviesearch.embeddings import tasks

    sent = []
    monkeypatch.setattr(tasks.embed_movies, "delay", lambda ids: sent.append(ids))
    call_command("reindex", "--async", "--batch-size", "3")
    assert [len(b) for b in sent] == [3, 3, 1]
    assert "Enqueued 7 movies in 3 batches" in capsys.readouterr().out


def test_embedding_status_exit_code_for_monitoring(movies, fake_encoder, capsys):
    with pytest.raises(CommandError, match="7 movies without a current vector"):
        call_command("embedding_status", "--max-not-current", "5")
    call_command("reindex", "--no-progress")
    call_command("embedding_status", "--max-not-current", "0")
    assert "current: 7" in capsys.readouterr().out


def test_switching_to_a_model_of_another_dimension(
    movies, tmp_path, settings, monkeypatch, capsys
):
    """The documented procedure, with a 128-d model built here from the packaged one:
    EMBEDDING_DIMENSIONS, `resize_embeddings` writes the host's migration, `migrate`
    runs it (vectors cleared, column resized), `reindex`."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from sentence_transformers import SentenceTransformer, models

    base = SentenceTransformer(encoder.model_path(), device="cpu")
    dense = models.Dense(384, 128)
    SentenceTransformer(modules=[*base, dense], device="cpu").save(
        str(tmp_path / "m128")
    )

    call_command("reindex", "--no-progress")
    capsys.readouterr()
    assert schema.column_dimensions() == 384
    settings.EMBEDDING_MODEL = str(tmp_path / "m128")
    assert Movie.objects.embedding_counts()["stale"] == 7
    with pytest.raises(CommandError, match="resize_embeddings"):
        call_command("reindex", "--stale", "--no-progress")
    with pytest.raises(CommandError, match="EMBEDDING_DIMENSIONS = 128"):
        call_command("resize_embeddings")
    # What EMBEDDING_DIMENSIONS = 128 in settings does as the models load.
    monkeypatch.setattr(Movie._meta.get_field("embedding"), "dimensions", 128)
    call_command("resize_embeddings", "--dry-run")
    written = capsys.readouterr().out
    assert "ResizeEmbedding(" in written and "dimensions=128" in written
    assert schema.column_dimensions() == 384  # nothing altered behind Django's back

    namespace = {}
    exec(written, namespace)  # the migration file as `migrate` would import it
    loader = MigrationLoader(connection)
    migration = namespace["Migration"]("0099_embedding_128d", "catalog")
    state = loader.project_state(loader.graph.leaf_nodes("catalog"), at_end=True)
    with connection.schema_editor() as editor:
        state = migration.apply(state, editor)
    assert state.models["catalog", "movie"].fields["embedding"].dimensions == 128
    assert schema.column_dimensions() == 128
    assert schema.hnsw_index_exists()
    assert Movie.objects.embedding_counts() == {"missing": 7, "current": 0, "stale": 0}
    call_command("reindex", "--no-progress")
    assert Movie.objects.embedding_counts()["current"] == 7
    assert len(Movie.objects.first().embedding) == 128
    found = Movie.objects.search("Film 3", mode="semantic", limit=3)
    assert len(found) == 3


def _storage() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'catalog_movie'::regclass AND attname = 'embedding'"
        )
        return cursor.fetchone()[0]


def _stored_length(movie_id: int) -> int:
    """The bytes the movie's embedding takes in its heap tuple: the whole vector
    when inline, an 18-byte pointer when TOAST holds it (pageinspect)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute(
            """
            WITH m AS (SELECT (ctid::text::point) AS t FROM catalog_movie
                       WHERE id = %s),
                 a AS (SELECT attnum FROM pg_attribute
                       WHERE attrelid = 'catalog_movie'::regclass
                         AND attname = 'embedding')
            SELECT length(i.t_attrs[(SELECT attnum FROM a)])
            FROM m, heap_page_item_attrs(
                get_raw_page('catalog_movie', (m.t)[0]::int),
                'catalog_movie'::regclass) AS i
            WHERE i.lp = (m.t)[1]::int
            """,
            [movie_id],
        )
        return cursor.fetchone()[0]


def test_vectors_are_kept_in_their_movies_rows(make_movie, fake_encoder):
    """`migrate` gives the embedding column MAIN storage (pgvector's default,
    EXTERNAL, put the vector of every wide row in TOAST), and restores it; a
    vector written again moves into its row."""
    import random

    from django.core.management.sql import emit_post_migrate_signal

    rng = random.Random(7)

    def wide(title):
        """A row as wide as a real one: an overview that does not compress."""
        words = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
            for _ in range(120)
        ]
        return make_movie(title, 2001, overview=" ".join(words))

    assert _storage() == "m"
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE catalog_movie ALTER COLUMN embedding SET STORAGE EXTERNAL"
        )
    before = wide("Before")
    call_command("reindex", "--no-progress")
    assert _stored_length(before.pk) < 100  # a pointer into TOAST

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _storage() == "m"
    call_command("reindex", "--all", "--no-progress")
    assert _stored_length(before.pk) >= 384 * 4  # rewritten: the vector, in its row
    after = wide("After")
    call_command("reindex", "--no-progress")
    assert _stored_length(after.pk) >= 384 * 4
