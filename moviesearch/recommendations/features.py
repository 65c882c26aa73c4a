"""What a film and a candidate share, as numbers a learned blend can weigh."""

import math

from django.db import connection

from moviesearch.catalogue import catalogue, movie_model, value
from moviesearch.embeddings.models import Fact
from moviesearch.recommendations.models import CoLike, LikeCount
from moviesearch.sql import column, with_tables

# Order of the columns of each feature row (weights.py follows it).
NAMES = (
    "vector",  # cosine of the two films' embeddings
    "directors",  # shared directors
    "cast",  # shared cast members (at most 3)
    "genres",  # Jaccard of the genre sets
    "first_genre",  # 1 when the candidate has the film's first genre
    "keywords",  # shared keywords, log(1 + n)
    "era",  # -log(1 + years apart)
    "votes",  # log(1 + Catalogue.votes: the demo's TMDB vote count)
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
# counts over the facts' primary key (movie, role, name) (ORM joins of people x
# genres x keywords multiply rows), and the film's vector never leaves the database.
FEATURES_SQL = """
WITH f AS MATERIALIZED (  -- once, not per candidate
  SELECT fm.embedding,
         ARRAY(SELECT name_id FROM {fact}
               WHERE movie_id = fm.{movie_pk} AND role = 'director') AS directors,
         ARRAY(SELECT name_id FROM {fact}
               WHERE movie_id = fm.{movie_pk} AND role = 'cast') AS actors,
         ARRAY(SELECT name_id FROM {fact}
               WHERE movie_id = fm.{movie_pk} AND role = 'keyword') AS keywords,
         ARRAY(SELECT name_id FROM {fact}
               WHERE movie_id = fm.{movie_pk} AND role = 'genre'
               ORDER BY position) AS genres
  FROM {movie} fm WHERE fm.{movie_pk} = %(film)s
)
SELECT m.{movie_pk},
       CASE WHEN f.embedding IS NULL OR m.embedding IS NULL THEN 0
            ELSE 1 - (m.embedding <=> f.embedding) END,
       (SELECT count(*) FROM {fact} c
         WHERE c.movie_id = m.{movie_pk} AND c.role = 'director'
           AND c.name_id = ANY(f.directors)),
       (SELECT count(*) FROM {fact} c
         WHERE c.movie_id = m.{movie_pk} AND c.role = 'cast'
           AND c.name_id = ANY(f.actors)),
       ARRAY(SELECT g.name_id FROM {fact} g
             WHERE g.movie_id = m.{movie_pk} AND g.role = 'genre'),
       (SELECT count(*) FROM {fact} k
         WHERE k.movie_id = m.{movie_pk} AND k.role = 'keyword'
           AND k.name_id = ANY(f.keywords)),
       {year}, {votes}, cl.score, cl.together, lc.likers, f.genres
FROM {movie} m
CROSS JOIN f
LEFT JOIN {colike} cl ON cl.movie_id = %(film)s AND cl.other_id = m.{movie_pk}
LEFT JOIN {likecount} lc ON lc.movie_id = m.{movie_pk}
WHERE m.{movie_pk} = ANY(%(ids)s)
"""


def votes_sql(alias: str) -> str:
    """SQL for how many people rated a film (Catalogue.votes; popularity when the
    host has no count; 0 when neither)."""
    spec = catalogue()
    return column(
        movie_model(), spec.votes or spec.popularity, alias=alias, empty="0::int"
    )


def features_sql() -> str:
    model, spec = movie_model(), catalogue()
    sql = FEATURES_SQL.replace("{votes}", votes_sql("m")).replace(
        "{year}", column(model, spec.year, alias="m", empty="NULL::int")
    )
    return with_tables(sql, movie=model, fact=Fact, colike=CoLike, likecount=LikeCount)


def feature_rows(film, ids: list[int]) -> list[list[float]]:
    """One feature row per candidate id (NAMES order)."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(features_sql(), {"film": film.pk, "ids": list(ids)})
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    genres = next(iter(found.values()))[-1] if found else []
    spec = catalogue()
    film_year = value(film, spec.year) if spec.year else None
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
        years = abs(year - film_year) if year and film_year else 30
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
