"""Reads: a visitor's history and their personal recommendations."""

import math
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Q
from pgvector import Vector

from moviesearch import conf
from moviesearch.catalogue import movie_model
from moviesearch.recommendations.features import votes_sql
from moviesearch.recommendations.models import CoLike, Interaction, LikeCount
from moviesearch.recommendations.visitors import Visitor
from moviesearch.search.ranking import semantic_ranked
from moviesearch.search.vectors import stored_vectors
from moviesearch.sql import with_tables

Kind = Interaction.Kind
RECENCY = 0.5  # weight of the i-th most recent like: exp(-RECENCY * i)
RECENT = 20  # likes that vote (exp(-0.5 * 20) is negligible)
CONTENT = 0.05  # weight of the cosine to the visitor's taste vector
PRIOR = 0.01  # weight of log(1 + likers), else of log(1 + TMDB votes) / 4
POOL = 200  # candidates from the co-likes
CONTENT_POOL = 100  # candidates from the taste vector (its weight is small)
SAME_FAMILY = 0.9  # cosine above which two picks count as the same franchise
PER_FAMILY = 2


# The POOL films the recent likes vote for most through co-likes (weight x cosine),
# each with the like that gave it the most (its "because").
COLIKES_SQL = """
WITH parts AS (
  SELECT cl.other_id, cl.movie_id,
         (%(weights)s::float8[])[array_position(%(liked)s::int[], cl.movie_id)]
           * cl.score AS part
  FROM {colike} cl
  WHERE cl.movie_id = ANY(%(liked)s::int[])
    AND NOT cl.other_id = ANY(%(excluded)s::int[])
)
SELECT other_id, sum(part),
       (array_agg(movie_id ORDER BY part DESC, movie_id))[1], max(part)
FROM parts GROUP BY other_id
ORDER BY 2 DESC, other_id LIMIT %(pool)s
"""
TASTE_SQL = """
SELECT l2_normalize(sum(
         m.embedding * array_fill(w.weight, ARRAY[vector_dims(m.embedding)])::vector
       ))::text
FROM {movie} m
JOIN unnest(%s::int[], %s::real[]) AS w (movie_id, weight) ON w.movie_id = m.{movie_pk}
WHERE m.embedding IS NOT NULL
"""
FACTS_SQL = """
SELECT m.{movie_pk}, {votes}, lc.likers,
       CASE WHEN %(taste)s::vector IS NULL OR m.embedding IS NULL THEN NULL
            ELSE m.embedding <=> %(taste)s::vector END
FROM {movie} m
LEFT JOIN {likecount} lc ON lc.movie_id = m.{movie_pk}
WHERE m.{movie_pk} = ANY(%(ids)s)
"""


@dataclass
class Recommendation:
    movie_id: int
    score: float
    because_id: int  # the liked film that led here


def likes_q() -> Q:
    like = conf.get("RECOMMENDATIONS_LIKE_RATING")
    return Q(kind=Kind.LIKED) | Q(kind=Kind.RATED, rating__gte=like)


def history(visitor: Visitor):
    """The visitor's interactions, most recent first, with their films."""
    if not visitor:
        return Interaction.objects.none()
    return Interaction.objects.filter(visitor.q()).select_related("movie")


def has_history(visitor: Visitor) -> bool:
    return bool(visitor) and Interaction.objects.filter(visitor.q()).exists()


def liked_and_excluded(visitor: Visitor) -> tuple[list[int], set[int]]:
    """The liked film ids, most recent first, and every id not to recommend."""
    rows = list(
        Interaction.objects.filter(visitor.q())
        .exclude(kind=Kind.VIEWED)
        .order_by("-created_at", "-movie_id")
        .values_list("movie_id", "kind", "rating")
    )
    like = conf.get("RECOMMENDATIONS_LIKE_RATING")
    dismissed = {m for m, k, _ in rows if k == Kind.DISMISSED}
    liked = [
        m
        for m, k, r in rows
        if (k == Kind.LIKED or (k == Kind.RATED and r >= like)) and m not in dismissed
    ]
    liked = list(dict.fromkeys(liked))[: conf.get("RECOMMENDATIONS_HISTORY")]
    return liked, {m for m, _, _ in rows}


def recommended(*, visitor: Visitor, limit: int = 10) -> list[Recommendation]:
    """Films for this visitor from what they liked: co-likes, their taste vector
    and a popularity prior; never what they liked, rated or dismissed; at most
    PER_FAMILY near-identical films (a franchise)."""
    liked, excluded = liked_and_excluded(visitor)
    return recommended_for(liked=liked, excluded=excluded, limit=limit)


def recommended_for(
    *, liked: list[int], excluded: set[int], limit: int
) -> list[Recommendation]:
    """recommended() from a list of liked ids (most recent first)."""
    recent = liked[:RECENT]
    if not recent:
        return []
    weight = {pk: math.exp(-RECENCY * i) for i, pk in enumerate(recent)}
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(COLIKES_SQL, colike=CoLike),
            {
                "liked": list(weight),
                "weights": list(weight.values()),
                "excluded": list(excluded),
                "pool": POOL,
            },
        )
        rows = cursor.fetchall()
    scores = {pk: total for pk, total, _, _ in rows}
    reason = {pk: (part, because) for pk, _, because, part in rows}
    top = list(scores)  # best first
    # The taste vector (recency-weighted mean of the liked films' vectors) stays
    # in PostgreSQL's text form: parsing vectors here cost more than the SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(TASTE_SQL, movie=movie_model()),
            [list(weight), list(weight.values())],
        )
        (taste,) = cursor.fetchone()
    content = _nearest(taste, excluded) if taste is not None else {}
    top += list(content)
    candidates = list(dict.fromkeys(top))
    # Cosines computed in PostgreSQL, with the votes and likers, in one statement
    # taking the ids as one array.
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(
                FACTS_SQL.replace("{votes}", votes_sql("m")),
                likecount=LikeCount,
                movie=movie_model(),
            ),
            {"taste": taste, "ids": candidates},
        )
        rows = cursor.fetchall()
    facts = {pk: (votes, distance) for pk, votes, _, distance in rows}
    likers = {pk: n for pk, _, n, _ in rows if n is not None}
    final: dict[int, float] = {}
    for pk in candidates:
        votes, distance = facts.get(pk, (0, None))
        if likers:  # behaviour is known: the likers; else TMDB's votes
            prior = math.log1p(likers.get(pk, 0))
        else:
            prior = math.log1p(votes or 0) / 4
        cosine = 1.0 - float(distance) if distance is not None else 0.0
        final[pk] = scores.get(pk, 0.0) + CONTENT * cosine + PRIOR * prior
    ordered = sorted(final, key=lambda pk: (-final[pk], pk))
    head = ordered[: limit * 3]
    vectors = stored_vectors(head + recent)
    picks = _diverse(head, vectors, limit)
    picks += ordered[limit * 3 :][: limit - len(picks)]
    liked = [h for h in recent if h in vectors]
    for pk in picks:
        if pk not in reason and pk in vectors and liked:
            nearest = max(liked, key=lambda h: float(np.dot(vectors[h], vectors[pk])))
            reason[pk] = (0.0, nearest)
    return [
        Recommendation(pk, final[pk], reason.get(pk, (0.0, recent[0]))[1])
        for pk in picks
    ]


def _nearest(taste: str, excluded: set[int]) -> dict[int, float]:
    """The films nearest the taste vector (text form; not excluded), with their
    cosines."""
    depth = min(CONTENT_POOL + len(excluded), 4 * CONTENT_POOL)
    vector = Vector.from_text(taste).to_list()
    ranked = semantic_ranked(
        movie_model().objects.all(), vector, depth, ef_search=depth
    )
    kept = [pk for pk in ranked.ids if pk not in excluded][:CONTENT_POOL]
    return {pk: ranked.scores[pk] for pk in kept}


def _diverse(ordered: list[int], vectors: dict, limit: int) -> list[int]:
    """The first `limit` ids, skipping a film once PER_FAMILY picks are nearly
    identical to it (sequels share most of their document)."""
    picks: list[int] = []
    chosen: list = []
    deferred: list[int] = []
    for pk in ordered:
        if len(picks) >= limit:
            break
        vector = vectors.get(pk)
        if vector is not None and chosen:
            close = sum(float(np.dot(vector, c)) > SAME_FAMILY for c in chosen)
            if close >= PER_FAMILY:
                deferred.append(pk)
                continue
        picks.append(pk)
        if vector is not None:
            chosen.append(vector)
    return (picks + deferred)[:limit]
