"""Movies like this one: content signals and co-likes, blended by learned weights.

Candidates come from the film's vector neighbours, the films sharing its people and
genres, the most popular films of its first genre and its co-liked films; each is
scored by weights.CONTENT (no co-likes known for the film) or weights.BLEND."""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.embeddings.models import Fact
from moviesearch.recommendations import weights
from moviesearch.recommendations.features import feature_rows, votes_sql
from moviesearch.recommendations.models import CoLike, LikeCount
from moviesearch.search.ranking import Ranked
from moviesearch.search.vectors import hnsw_scan
from moviesearch.sql import with_tables

POOL = 100  # candidates taken from each source
GENRE_CACHE_SECONDS = 300
VERSION_KEY = "recs:colikes-version"  # set by services.colikes_rebuild


@dataclass
class SimilarRanked(Ranked):
    co_liked: set[int] = field(default_factory=set)  # ids liked with the film


# The film's own sources in one statement: the most voted films sharing a director
# or a top-billed actor with it (index lookups; a count over every credit costs ten
# times more), its first genre (as the host lists them), and its co-liked films by
# cosine and by co-likers.
SOURCES_SQL = """
SELECT
  ARRAY(SELECT m.{movie_pk} FROM {movie} m
        WHERE m.{movie_pk} IN (
          SELECT c.movie_id FROM {fact} c
          WHERE c.role IN ('director', 'cast')
            AND c.name_id IN (SELECT p.name_id FROM {fact} p
                              WHERE p.movie_id = %(film)s
                                AND p.role IN ('director', 'cast')
                                AND p.position < 5))
        ORDER BY {votes} DESC, m.{movie_pk} LIMIT %(pool)s),
  (SELECT g.name_id FROM {fact} g WHERE g.movie_id = %(film)s AND g.role = 'genre'
   ORDER BY g.position LIMIT 1),
  ARRAY(SELECT cl.other_id FROM {colike} cl WHERE cl.movie_id = %(film)s
        ORDER BY cl.score DESC, cl.other_id LIMIT %(pool)s),
  ARRAY(SELECT cl.other_id FROM {colike} cl WHERE cl.movie_id = %(film)s
        ORDER BY cl.together DESC, cl.other_id LIMIT %(pool)s)
"""
# The film's nearest vectors, its own read in the statement (pgvector walks the
# HNSW index for an ORDER BY distance to a scalar subquery); none while the film has
# no vector.
NEAREST_SQL = """
SELECT m.{movie_pk} FROM {movie} m
WHERE m.embedding IS NOT NULL
  AND EXISTS (SELECT 1 FROM {movie} f
              WHERE f.{movie_pk} = %(film)s AND f.embedding IS NOT NULL)
ORDER BY m.embedding <=> (SELECT f.embedding FROM {movie} f
                          WHERE f.{movie_pk} = %(film)s)
LIMIT %(limit)s
"""


def genre_popular(genre_id: int) -> list[int]:
    """The 30 most voted and the 30 most liked films of a genre (a Name id; whole
    catalogue; cached for GENRE_CACHE_SECONDS: popularity moves slowly)."""
    key = f"recs:genre-name-popular:{cache.get(VERSION_KEY, 0)}:{genre_id}"
    ids = cache.get(key)
    if ids is None:
        in_genre = movie_model().objects.filter(
            moviesearch_facts__role="genre", moviesearch_facts__name=genre_id
        )
        spec = catalogue()
        votes = spec.votes or spec.popularity
        order = [f"-{votes}"] if votes else []
        ids = list(in_genre.order_by(*order, "pk").values_list("pk", flat=True)[:30])
        ids += list(
            LikeCount.objects.filter(movie__in=in_genre.values("pk"))
            .order_by("-likers", "movie_id")
            .values_list("movie_id", flat=True)[:30]
        )
        cache.set(key, ids, GENRE_CACHE_SECONDS)
    return ids


def most_liked() -> list[int]:
    """The 30 films most people like (cached like genre_popular)."""
    key = f"recs:most-liked:{cache.get(VERSION_KEY, 0)}"
    ids = cache.get(key)
    if ids is None:
        ids = list(
            LikeCount.objects.order_by("-likers", "movie_id").values_list(
                "movie_id", flat=True
            )[:30]
        )
        cache.set(key, ids, GENRE_CACHE_SECONDS)
    return ids


def candidates(queryset, movie) -> tuple[list[int], set[int]]:
    """Candidate ids (in no particular order, never the film) and those co-liked
    with the film.

    The sources read the whole catalogue (the vector neighbours by the HNSW index
    with ef_search = POOL: candidates for the blend, not the exact top 100); when
    `queryset` has filters, one more query keeps the candidates it holds."""
    model = movie_model()
    with connection.cursor() as cursor:
        sources = SOURCES_SQL.replace("{votes}", votes_sql("m"))
        cursor.execute(
            with_tables(sources, movie=model, fact=Fact, colike=CoLike),
            {"film": movie.pk, "pool": POOL},
        )
        people, genre, by_score, by_together = cursor.fetchone()
    with hnsw_scan(POOL, ef_search=POOL), connection.cursor() as cursor:
        cursor.execute(
            with_tables(NEAREST_SQL, movie=model), {"film": movie.pk, "limit": POOL + 1}
        )
        nearest = [pk for (pk,) in cursor.fetchall()]
    co_liked = by_score + by_together
    ids = dict.fromkeys(nearest + people + co_liked + most_liked())
    if genre is not None:
        ids.update(dict.fromkeys(genre_popular(genre)))
    ids.pop(movie.pk, None)
    if queryset.query.has_filters() or queryset.query.is_empty():
        kept = set(queryset.filter(pk__in=list(ids)).values_list("pk", flat=True))
        ids = {pk: None for pk in ids if pk in kept}
    return list(ids), set(co_liked) & ids.keys()


def similar_ranked(queryset, movie, depth: int) -> SimilarRanked:
    """Rank the movies of `queryset` like this one (never the film itself)."""
    ids, co_liked = candidates(queryset, movie)
    rows = feature_rows(movie, ids)
    w = weights.BLEND if co_liked else weights.CONTENT
    scores = {
        pk: sum(a * b for a, b in zip(w, row, strict=True))
        for pk, row in zip(ids, rows, strict=True)
    }
    ordered = sorted(scores, key=lambda pk: (-scores[pk], pk))[:depth]
    return SimilarRanked(
        ids=ordered,
        scores={pk: scores[pk] for pk in ordered},
        co_liked=co_liked & set(ordered),
    )
