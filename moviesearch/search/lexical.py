"""BM25 over the lexical index (embeddings.models.Posting): term rarity (IDF), term
frequency saturation (k1) and length normalisation (b), with field weights in the
term frequencies. PostgreSQL's ts_rank has neither IDF nor saturation: as the
keyword half of hybrid it scored 0.03 nDCG@10 on plot descriptions, a textbook BM25
0.50 (../shared/QUALITY_ANCHORS.md)."""

import re

from django.db import connection

from moviesearch.embeddings.lexical import K1, B
from moviesearch.embeddings.models import Corpus, Lexeme, Posting, RelatedLexeme
from moviesearch.sql import with_tables

MAX_WORDS = 400  # a pasted synopsis is a fair query; a book is not
# The most postings read per query word, best impact first: a rare word's are all
# of them; a common word ("life", "film") only brings the movies it ranks highest
# (the others still score it when another word or the caller's `also` brings
# them), so the cost is bounded at any catalogue size.
POSTINGS_PER_WORD = 1000
# The lexemes near a query word's in meaning (moviesearch.embeddings.related:
# "lawyer" → "attorney", "lie" → "liar") count at this fraction of their cosine
# with it (0.7–0.95 → 0.21–0.29 of a typed word's weight), and only their best
# postings are read: they help a film that says it otherwise, never outrank one
# that says it as typed.
RELATED_WEIGHT = 0.3
RELATED_POSTINGS = 200
# Words that frame a query rather than describe a film; left out of the lexical
# query when anything else is left.
FILLER = {
    "movie", "movies", "film", "films", "directed", "director", "starring", "stars",
    "about", "great", "good", "story", "best", "with", "by", "a", "an", "the", "of",
    "show", "me", "find", "some", "like",
}  # fmt: skip
WORD = re.compile(r"\w+")
# A sequel's number as visitors type it and as titles write it: "the godfather 2"
# is The Godfather: Part II, "rocky 4" Rocky IV. The digit keeps its own weight
# (Toy Story 2); 1 and 10 are left out ("i" and "x" are words and titles of their
# own: X-Men).
SEQUEL_WORDS = 5  # in a longer query a number is the story's ("5 friends go ...")
ROMAN = dict(zip("23456789", "ii iii iv v vi vii viii ix".split(), strict=True))

# to_tsvector with a constant configuration is immutable: the planner folds the
# query's lexemes into a constant array. Document frequencies and the corpus size
# are read from the tables the triggers keep (migration 0004); each word's best
# postings by an index-only scan of (lexeme, impact DESC) give a first score; the
# best of those and the `also` movies are then scored over all the query's words
# by the primary key (lexeme, movie).
# The query's lexemes (weight 1) and their related ones (moviesearch.embeddings.
# related), as (lexeme, weight) rows; two parameters, the words twice: each
# expression a constant the planner folds, so the related ones are read by the
# primary key.
_QUERY_LEXEMES = """
    SELECT unnest(tsvector_to_array(to_tsvector('english'::regconfig, %s))), 1.0::float8
    UNION ALL
    SELECT related, {related_weight} * similarity FROM {related}
    WHERE lexeme = ANY(tsvector_to_array(to_tsvector('english'::regconfig, %s)))
"""
_WORDS = (
    """
WITH stats AS (
  SELECT greatest(max(documents), 1)::float8 AS n,
         coalesce(max(length / nullif(documents, 0)), 1.0) AS avgdl
  FROM {corpus}
), weighted AS (
  SELECT lexeme, max(weight) AS weight FROM ("""
    + _QUERY_LEXEMES
    + """  ) AS w(lexeme, weight) GROUP BY lexeme
), q AS MATERIALIZED (
  SELECT w.lexeme, w.weight * ln(1.0 + (s.n - l.df + 0.5) / (l.df + 0.5)) AS idf,
         l.df <= r.reads AS whole, r.reads
  FROM weighted AS w CROSS JOIN stats AS s
  CROSS JOIN LATERAL (
    SELECT CASE WHEN w.weight >= 1.0 THEN {per_word} ELSE {per_related} END AS reads
  ) AS r
  CROSS JOIN LATERAL (  -- a primary-key probe per word (LIMIT: not a hash join
    SELECT l.df FROM {lexeme} AS l  -- reading every word)
    WHERE l.lexeme = w.lexeme AND l.df > 0 LIMIT 1
  ) AS l
)"""
)
_SQL = (
    _WORDS
    + """, first AS MATERIALIZED (
  SELECT p.movie_id,
         sum(q.idf * p.tf / (p.tf + {k1} * (1 - {b} + {b} * p.dl / s.avgdl))) AS score,
         sum(q.idf * p.tf * {k1p1} / (p.tf + {k1} * (1 - {b} + {b} * p.dl / s.avgdl)))
           FILTER (WHERE q.whole) AS whole
  FROM q CROSS JOIN stats AS s CROSS JOIN LATERAL (
    SELECT p.movie_id, p.tf, p.dl FROM {posting} AS p
    WHERE p.lexeme = q.lexeme
    ORDER BY p.impact DESC LIMIT q.reads
  ) AS p
  GROUP BY p.movie_id
), chosen AS (
  (SELECT movie_id FROM first {where} ORDER BY score DESC, movie_id LIMIT %s)
  UNION
  SELECT unnest(%s::bigint[])
), scored AS MATERIALIZED (
  SELECT c.movie_id, coalesce(f.whole, 0.0) + coalesce(rest.score, 0.0) AS score
  FROM chosen AS c LEFT JOIN first AS f USING (movie_id)
  CROSS JOIN LATERAL (  -- the words read whole are scored in `first`; the others
    SELECT sum(         -- by one primary-key probe per (movie, word), LIMIT 1
      q.idf * p.tf * {k1p1} / (p.tf + {k1} * (1 - {b} + {b} * p.dl / s.avgdl))
    ) AS score
    FROM q CROSS JOIN stats AS s CROSS JOIN LATERAL (
      SELECT p.tf, p.dl FROM {posting} AS p
      WHERE p.lexeme = q.lexeme AND p.movie_id = c.movie_id LIMIT 1
    ) AS p
    WHERE NOT q.whole
  ) AS rest
  WHERE f.whole IS NOT NULL OR rest.score IS NOT NULL  -- matching no word: absent
)
(SELECT movie_id, score FROM scored ORDER BY score DESC, movie_id LIMIT %s)
UNION
(SELECT movie_id, score FROM scored WHERE movie_id = ANY(%s))
"""
)


def query_text(text: str) -> str:
    """The words the lexical side ranks by: the query without its framing words,
    and in a short query a sequel's number in Roman numerals too."""
    words = WORD.findall(text.casefold())[:MAX_WORDS]
    kept = [w for w in words if w not in FILLER] or words
    if len(kept) <= SEQUEL_WORDS:
        kept += [ROMAN[w] for w in kept if w in ROMAN]
    return " ".join(kept)


def _sql(template: str, **parts) -> str:
    tables = dict(posting=Posting, lexeme=Lexeme, corpus=Corpus, related=RelatedLexeme)
    return with_tables(template, **tables).format(
        k1p1=K1 + 1,
        k1=K1,
        b=B,
        per_word=POSTINGS_PER_WORD,
        per_related=RELATED_POSTINGS,
        related_weight=RELATED_WEIGHT,
        **parts,
    )


def query_lexemes_sql() -> str:
    """SQL of the (lexeme, weight) rows BM25 ranks a query by: its own lexemes and
    their related ones. Parameters: the words, twice."""
    return _sql(_QUERY_LEXEMES)


def bm25_scores(queryset, text: str, limit: int, *, also=()) -> dict[int, float]:
    """BM25 scores of the `limit` best movies of `queryset` for `text`, plus those
    of the movies in `also` (all of `queryset`) that match any word; movies
    matching none are absent. Every score is exact; the candidates are each word's
    best POSTINGS_PER_WORD (see there) and `also`. Filters apply to those
    candidates: read inside each word's postings, a filter passing 1 % of a
    million movies walked a hundred thousand of them per word (2.8 s); a narrow
    filter so leaves few lexical candidates, and the vector side (exact under
    narrow filters) brings the rest."""
    words = query_text(text)
    if not words:
        return {}
    where, sub_params = "", []
    if queryset.query.has_filters() or queryset.query.is_empty():
        if queryset.query.is_empty():
            return {}
        sub, sub_params = queryset.order_by().values("pk").query.sql_with_params()
        where = f"WHERE movie_id IN ({sub})"
    also = list(also)
    params = [words, words, *sub_params, limit, also, limit, also]
    sql = _sql(_SQL, where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: float(score) for pk, score in cursor.fetchall()}


# The exact scores of given movies (those another ranking brought), by the primary
# key (lexeme, movie): one probe per (movie, word).
_OF_SQL = (
    _WORDS
    + """
SELECT c.movie_id,
       sum(q.idf * p.tf * {k1p1} / (p.tf + {k1} * (1 - {b} + {b} * p.dl / s.avgdl)))
FROM unnest(%s::bigint[]) AS c(movie_id) CROSS JOIN q CROSS JOIN stats AS s
CROSS JOIN LATERAL (
  SELECT p.tf, p.dl FROM {posting} AS p
  WHERE p.lexeme = q.lexeme AND p.movie_id = c.movie_id LIMIT 1
) AS p
GROUP BY c.movie_id
"""
)


def bm25_of(text: str, ids) -> dict[int, float]:
    """The BM25 scores of these movies (the caller drew them from its filtered
    queryset) that match any word of `text`, as bm25_scores gives them."""
    words, ids = query_text(text), list(ids)
    if not words or not ids:
        return {}
    sql = _sql(_OF_SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, [words, words, ids])
        return {pk: float(score) for pk, score in cursor.fetchall()}


_ANY_SQL = """
SELECT EXISTS (
  SELECT 1 FROM {lexeme}
  WHERE lexeme = ANY(tsvector_to_array(to_tsvector('english', %s))) AND df > 0
)
"""


def matches_anything(text: str) -> bool:
    """Whether any word of the query is in any movie's text."""
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_ANY_SQL, lexeme=Lexeme), [query_text(text)])
        return cursor.fetchone()[0]
