"""BM25 over the lexical index (embeddings.models.Posting): term rarity (IDF), term
frequency saturation (k1) and length normalisation (b), with field weights in the
term frequencies. PostgreSQL's ts_rank has neither IDF nor saturation: as the
keyword half of hybrid it scored 0.03 nDCG@10 on plot descriptions, a textbook BM25
0.50 (../shared/QUALITY_ANCHORS.md)."""

import re

from django.db import connection

from moviesearch.embeddings.models import LexicalDocument, Posting
from moviesearch.sql import with_tables

K1 = 1.2
B = 0.75
MAX_WORDS = 400  # a pasted synopsis is a fair query; a book is not
# Words that frame a query rather than describe a film; left out of the lexical
# query when anything else is left.
FILLER = {
    "movie", "movies", "film", "films", "directed", "director", "starring", "stars",
    "about", "great", "good", "story", "best", "with", "by", "a", "an", "the", "of",
    "show", "me", "find", "some", "like",
}  # fmt: skip
WORD = re.compile(r"\w+")

# to_tsvector with a constant configuration is immutable: the planner folds the
# query's lexemes into a constant array and reads just their postings, once, by the
# primary key (lexeme, movie); document frequencies are counted from those rows.
_SQL = """
WITH stats AS (
  SELECT count(*)::float8 AS n, coalesce(avg(length), 1.0) AS avgdl
  FROM {lexdoc}
), hits AS MATERIALIZED (
  SELECT p.lexeme, p.movie_id, p.tf, p.dl FROM {posting} AS p
  WHERE p.lexeme = ANY(tsvector_to_array(to_tsvector('english'::regconfig, %s)))
), q AS (
  SELECT lexeme, ln(1.0 + (s.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
  FROM hits CROSS JOIN stats AS s GROUP BY lexeme, s.n
), scored AS MATERIALIZED (
  SELECT h.movie_id,
         sum(q.idf * h.tf * {k1p1} / (h.tf + {k1} * (1 - {b} + {b} * h.dl / s.avgdl)))
           AS score
  FROM hits AS h JOIN q USING (lexeme) CROSS JOIN stats AS s
  {where}
  GROUP BY h.movie_id
)
(SELECT movie_id, score FROM scored ORDER BY score DESC, movie_id LIMIT %s)
UNION
(SELECT movie_id, score FROM scored WHERE movie_id = ANY(%s))
"""


def query_text(text: str) -> str:
    """The words the lexical side ranks by: the query without its framing words."""
    words = WORD.findall(text.casefold())[:MAX_WORDS]
    kept = [w for w in words if w not in FILLER] or words
    return " ".join(kept)


def bm25_scores(queryset, text: str, limit: int, *, also=()) -> dict[int, float]:
    """BM25 scores of the `limit` best movies of `queryset` for `text`, plus those
    of the movies in `also` that match any word (movies matching none are absent)."""
    words = query_text(text)
    if not words:
        return {}
    params: list = [words]
    where = ""
    if queryset.query.has_filters() or queryset.query.is_empty():
        if queryset.query.is_empty():
            return {}
        sub, sub_params = queryset.order_by().values("pk").query.sql_with_params()
        where = f"WHERE h.movie_id IN ({sub})"
        params += list(sub_params)
    params += [limit, list(also)]
    sql = with_tables(_SQL, posting=Posting, lexdoc=LexicalDocument).format(
        k1p1=K1 + 1, k1=K1, b=B, where=where
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: float(score) for pk, score in cursor.fetchall()}


_ANY_SQL = """
SELECT EXISTS (
  SELECT 1 FROM {posting}
  WHERE lexeme = ANY(tsvector_to_array(to_tsvector('english', %s)))
)
"""


def matches_anything(text: str) -> bool:
    """Whether any word of the query is in any movie's text."""
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_ANY_SQL, posting=Posting), [query_text(text)])
        return cursor.fetchone()[0]
