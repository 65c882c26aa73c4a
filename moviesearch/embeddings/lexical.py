"""Keeps the lexical index (embeddings.models.Posting) in step with `search_vector`.

A term's frequency is the sum of its positions' field weights (BM25F-style) and a
document's length the sum over its terms. The weights are uniform: the textbook BM25
over the whole facts-rich text is the measured anchor (../shared/QUALITY_ANCHORS.md:
plot 0.50, surname 0.88 nDCG@10); names and titles get their weight from
moviesearch.search.entities in hybrid instead."""

from django.db import connection

from moviesearch.catalogue import movie_model
from moviesearch.embeddings.models import Corpus, LexicalDocument, Posting
from moviesearch.sql import with_tables

# BM25's term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75

# Full-text weight labels (embeddings.documents.Document): A title, B people,
# C genres and keywords, D tagline and overview.
FIELD_WEIGHTS = {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}

_WEIGHT_CASE = "CASE w {} ELSE 1.0 END".format(
    " ".join(f"WHEN '{label}' THEN {weight}" for label, weight in FIELD_WEIGHTS.items())
)

_TERMS = f"""
SELECT m.{{movie_pk}} AS movie_id, u.lexeme,
       (SELECT sum({_WEIGHT_CASE}) FROM unnest(u.weights) AS w) AS tf
FROM {{movie}} AS m, unnest(m.search_vector) AS u
WHERE m.{{movie_pk}} = ANY(%s) AND m.search_vector IS NOT NULL
"""

# Separate statements: data-modifying CTEs run in no guaranteed order, and the new
# rows reuse the deleted rows' keys. Documents first: every writer (a movie's
# delete cascades in that order too) then takes the corpus row before any word's.
_DELETE_SQL = (
    "DELETE FROM {lexdoc} WHERE movie_id = ANY(%s)",
    "DELETE FROM {posting} WHERE movie_id = ANY(%s)",
)
_INSERT_SQL = f"""
WITH terms AS ({_TERMS}
), lengths AS (
  SELECT movie_id, sum(tf) AS length FROM terms GROUP BY movie_id
), docs AS (
  INSERT INTO {{lexdoc}} (movie_id, length)
  SELECT movie_id, length FROM lengths
)
INSERT INTO {{posting}} (lexeme, movie_id, tf, dl, impact)
SELECT t.lexeme, t.movie_id, t.tf, l.length,
       t.tf / (t.tf + {{k1}} * (1 - {{b}} + {{b}} * l.length / c.mean))
FROM terms AS t JOIN lengths AS l USING (movie_id),
     (SELECT greatest(
        (coalesce((SELECT length FROM {{corpus}} WHERE id = 1), 0) + sum(length))
        / (coalesce((SELECT documents FROM {{corpus}} WHERE id = 1), 0) + count(*)),
        1.0) AS mean
      FROM lengths) AS c
"""
# The mean length the impacts are computed with counts this batch: the first
# movies written into an empty index would otherwise get a mean of 1.
# Writers of postings take turns: the document-frequency triggers (migration 0004)
# update shared rows, and two writers interleaving their deletes and inserts could
# each wait for the other.
_TURN_SQL = "SELECT pg_advisory_xact_lock(hashtext('moviesearch.postings'))"


def postings_refresh(*, movie_ids: list[int]) -> None:
    """Rebuild the postings of these movies from their stored search_vector (call in
    the transaction that wrote it)."""
    if not movie_ids:
        return
    ids = list(movie_ids)
    with connection.cursor() as cursor:
        cursor.execute(_TURN_SQL)
        for sql in _DELETE_SQL:
            cursor.execute(
                with_tables(sql, posting=Posting, lexdoc=LexicalDocument), [ids]
            )
        sql = with_tables(
            _INSERT_SQL,
            posting=Posting,
            lexdoc=LexicalDocument,
            corpus=Corpus,
            movie=movie_model(),
        ).format(k1=K1, b=B)
        cursor.execute(sql, [ids])
