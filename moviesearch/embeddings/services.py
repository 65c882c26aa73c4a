"""Writes that keep each movie's document, full-text vector and embedding current."""

import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from moviesearch.catalogue import movie_model
from moviesearch.embeddings import encoder
from moviesearch.embeddings.documents import Document, movie_document
from moviesearch.embeddings.facts import facts_refresh
from moviesearch.embeddings.lexical import postings_refresh
from moviesearch.sql import with_tables

log = logging.getLogger(__name__)

_REFRESH_SQL = """
UPDATE {movie} AS m SET
  document_hash = v.hash,
  search_vector = setweight(to_tsvector('english', v.a), 'A')
    || setweight(to_tsvector('english', v.b), 'B')
    || setweight(to_tsvector('english', v.c), 'C')
    || setweight(to_tsvector('english', v.d), 'D')
FROM (VALUES {rows}) AS v(id, hash, a, b, c, d)
WHERE m.{movie_pk} = v.id
"""

# Compare-and-set: a document edited while we encoded keeps its newer hash (stale).
_EMBED_SQL = """
UPDATE {movie} AS m SET
  embedding = v.vector, embedding_hash = v.hash, embedding_model = %s,
  embedded_at = %s, embedding_error = ''
FROM (VALUES {rows}) AS v(id, hash, vector)
WHERE m.{movie_pk} = v.id AND m.document_hash = v.hash
"""


@dataclass
class EmbedReport:
    embedded: int = 0
    unchanged: int = 0
    failed: int = 0
    missing: int = 0
    encode_seconds: float = 0.0


def movie_refresh_documents(*, movie_ids: list[int]) -> dict[int, tuple]:
    """Rebuild the documents of these movies; store hash and full-text vector where
    they changed. Row locks make a concurrent edit and this refresh serialise."""
    Movie = movie_model()
    if not movie_ids:
        return {}
    with transaction.atomic():
        list(
            Movie.objects.select_for_update()
            .filter(pk__in=movie_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        movies = Movie.objects.filter(pk__in=movie_ids).with_document_facts()
        docs = {m.pk: (m, movie_document(m)) for m in movies}
        facts_refresh([m for m, _ in docs.values()])
        changed = [(m, d) for m, d in docs.values() if m.document_hash != d.hash]
        for start in range(0, len(changed), 500):
            chunk = changed[start : start + 500]
            rows = ", ".join(["(%s::bigint, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [
                x
                for m, d in chunk
                for x in (m.pk, d.hash, d.title, d.people, d.topics, d.story)
            ]
            with connection.cursor() as cursor:
                sql = with_tables(_REFRESH_SQL, movie=Movie)
                cursor.execute(sql.format(rows=rows), params)
            postings_refresh(movie_ids=[m.pk for m, _ in chunk])
        for m, d in changed:
            m.document_hash = d.hash
    return docs


def is_current(movie, document: Document, identity: str) -> bool:
    return (
        movie.embedding_hash == document.hash
        and movie.embedding_model == identity
        and movie.embedded_at is not None
    )


def movies_embed(*, movie_ids: list[int], force: bool = False) -> EmbedReport:
    """Encode the movies whose stored vector is not current and write each vector
    with its hash in one UPDATE, only if the document did not change meanwhile."""
    Movie = movie_model()
    report = EmbedReport()
    docs = movie_refresh_documents(movie_ids=movie_ids)
    report.missing = len(set(movie_ids) - set(docs))
    identity = encoder.model_identity()
    todo = [(m, d) for m, d in docs.values() if force or not is_current(m, d, identity)]
    report.unchanged = len(docs) - len(todo)
    if not todo:
        return report
    started = time.perf_counter()
    try:
        vectors = encoder.encode_documents([d.text for _, d in todo])
    except Exception as exc:
        Movie.objects.filter(pk__in=[m.pk for m, _ in todo]).update(
            embedding_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    report.encode_seconds = time.perf_counter() - started
    now = timezone.now()
    pairs = list(zip(todo, vectors, strict=False))
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        rows = ", ".join(["(%s::bigint, %s, %s::vector)"] * len(chunk))
        params = [identity, now]
        for (movie, doc), vector in chunk:
            params += [movie.pk, doc.hash, _vector_literal(vector)]
        with connection.cursor() as cursor:
            sql = with_tables(_EMBED_SQL, movie=Movie)
            cursor.execute(sql.format(rows=rows), params)
            report.embedded += cursor.rowcount
    return report


def _vector_literal(vector) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def facts_backfill(chunk: int = 1000) -> int:
    """Fill the facts of every movie (an upgrade from a release without them);
    returns how many movies were read."""
    Movie = movie_model()
    ids = list(Movie._default_manager.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            movies = Movie._default_manager.filter(pk__in=ids[start : start + chunk])
            facts_refresh(list(movies.with_document_facts()))
    return len(ids)
