"""What a film and a candidate share, as numbers a learned blend can weigh."""

import math

from django.db import connection

from moviesearch.recommendations.models import CoLike, LikeCount
from moviesearch.sql import with_tables

# Order of the columns of each feature row (weights.py follows it).
NAMES = (
    "vector",  # cosine of the two films' embeddings
    "directors",  # shared directors
    "cast",  # shared cast members (at most 3)
    "genres",  # Jaccard of the genre sets
    "first_genre",  # 1 when the candidate has the film's first genre
    "keywords",  # shared keywords, log(1 + n)
    "era",  # -log(1 + years apart)
    "votes",  # log(1 + TMDB vote count)
    "colike",  # cosine over likers (0 without interactions)
    "together",  # log(1 + co-likers)
    "likers",  # log(1 + the candidate's likers)
    # How far the candidate's likers fall short of 10, 20, 40 and 80 (log scale,
    # 0 at or above): a piecewise-linear popularity curve. Co-like cosines of
    # films few people liked are noise; one linear log(likers) term can't say so.
    "few_likers_10",
    "few_likers_20",
    "few_likers_40",
    "few_likers_80",
)
FEW_LIKERS = (10, 20, 40, 80)

# One statement for every candidate, the film's own facts (f) included: correlated
# counts over indexed link tables (ORM joins of credits x genres x keywords multiply
# rows), and the film's vector never leaves the database.
FEATURES_SQL = """
WITH f AS MATERIALIZED (  -- once, not per candidate
  SELECT fm.embedding,
         ARRAY(SELECT person_id FROM catalog_credit
               WHERE movie_id = fm.id AND role = 'director') AS directors,
         ARRAY(SELECT person_id FROM catalog_credit
               WHERE movie_id = fm.id AND role = 'cast') AS actors,
         ARRAY(SELECT keyword_id FROM catalog_movie_keywords
               WHERE movie_id = fm.id) AS keywords,
         ARRAY(SELECT genre_id FROM catalog_movie_genres
               WHERE movie_id = fm.id ORDER BY id) AS genres
  FROM catalog_movie fm WHERE fm.id = %(film)s
)
SELECT m.id,
       CASE WHEN f.embedding IS NULL OR m.embedding IS NULL THEN 0
            ELSE 1 - (m.embedding <=> f.embedding) END,
       (SELECT count(DISTINCT c.person_id) FROM catalog_credit c
         WHERE c.movie_id = m.id AND c.role = 'director'
           AND c.person_id = ANY(f.directors)),
       (SELECT count(DISTINCT c.person_id) FROM catalog_credit c
         WHERE c.movie_id = m.id AND c.role = 'cast' AND c.person_id = ANY(f.actors)),
       ARRAY(SELECT g.genre_id FROM catalog_movie_genres g WHERE g.movie_id = m.id),
       (SELECT count(*) FROM catalog_movie_keywords k
         WHERE k.movie_id = m.id AND k.keyword_id = ANY(f.keywords)),
       m.year, m.vote_count, cl.score, cl.together, lc.likers, f.genres
FROM catalog_movie m
CROSS JOIN f
LEFT JOIN {colike} cl ON cl.movie_id = %(film)s AND cl.other_id = m.id
LEFT JOIN {likecount} lc ON lc.movie_id = m.id
WHERE m.id = ANY(%(ids)s)
"""


def feature_rows(film, ids: list[int]) -> list[list[float]]:
    """One feature row per candidate id (NAMES order)."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(FEATURES_SQL, colike=CoLike, likecount=LikeCount),
            {"film": film.pk, "ids": list(ids)},
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    genres = next(iter(found.values()))[-1] if found else []
    mine = set(genres)
    rows = []
    for pk in ids:
        if pk not in found:
            rows.append([0.0] * len(NAMES))
            continue
        cos, directors, cast, theirs, keywords, year, votes, score, together, likers = (
            found[pk][:-1]
        )
        theirs = set(theirs)
        # An unknown year counts as a generation apart.
        years = abs(year - film.year) if year and film.year else 30
        rows.append(
            [
                float(cos),
                float(directors),
                float(min(cast, 3)),
                len(mine & theirs) / len(mine | theirs) if mine | theirs else 0.0,
                1.0 if genres and genres[0] in theirs else 0.0,
                math.log1p(keywords),
                -math.log1p(years),
                math.log1p(votes or 0),
                float(score or 0.0),
                math.log1p(together or 0),
                math.log1p(likers or 0),
            ]
            + [max(0.0, math.log1p(k) - math.log1p(likers or 0)) for k in FEW_LIKERS]
        )
    return rows
