"""Writes: record and clear interactions, rebuild co-likes, expire anonymous ones."""

import time
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from moviesearch import conf
from moviesearch.conf import settings
from moviesearch.recommendations.models import CoLike, Interaction, LikeCount
from moviesearch.recommendations.visitors import Visitor
from moviesearch.sql import with_tables

Kind = Interaction.Kind
# A like and a dismissal of the same film cancel each other.
CANCELS = {Kind.LIKED: Kind.DISMISSED, Kind.DISMISSED: Kind.LIKED}


class BadInteraction(ValueError):
    """An interaction that cannot be recorded; the message is shown as is."""


def rating_parse(value) -> Decimal:
    """A rating from 0.5 to 5 in steps of 0.5, or BadInteraction."""
    try:
        rating = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadInteraction("rating must be a number from 0.5 to 5") from None
    if not rating.is_finite() or not 0.5 <= rating <= 5 or (rating * 2) % 1:
        raise BadInteraction("rating must be from 0.5 to 5 in steps of 0.5")
    return rating.quantize(Decimal("0.1"))


def interaction_record(
    *,
    visitor: Visitor,
    movie_id: int,
    kind: str,
    rating=None,
    at: datetime | None = None,
) -> Interaction:
    """Record (or refresh) one interaction of a visitor with a film."""
    if kind not in Kind.values:
        raise BadInteraction(f"kind must be one of {', '.join(Kind.values)}")
    if kind == Kind.RATED:
        if rating in (None, ""):
            raise BadInteraction("a rating is required with kind=rated")
        rating = rating_parse(rating)
    elif rating not in (None, ""):
        raise BadInteraction("a rating goes only with kind=rated")
    else:
        rating = None
    with transaction.atomic():
        if kind in CANCELS:
            Interaction.objects.filter(
                visitor.q(), movie_id=movie_id, kind=CANCELS[kind]
            ).delete()
        interaction, _ = Interaction.objects.update_or_create(
            **visitor.fields(),
            movie_id=movie_id,
            kind=kind,
            defaults={"rating": rating, "created_at": at or timezone.now()},
        )
    return interaction


def interactions_clear(*, visitor: Visitor, movie_id: int | None = None) -> int:
    """Delete a visitor's interactions (with one film, or all); returns how many."""
    if not visitor:
        return 0
    queryset = Interaction.objects.filter(visitor.q())
    if movie_id is not None:
        queryset = queryset.filter(movie_id=movie_id)
    return queryset.delete()[0]


def anonymous_expire(*, now: datetime | None = None) -> int:
    """Delete the interactions of anonymous sessions idle for SESSION_COOKIE_AGE
    (their session cookie has expired by then too); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(ANONYMOUS_EXPIRE_SQL, interaction=Interaction), [cutoff]
        )
        return cursor.rowcount


ANONYMOUS_EXPIRE_SQL = """
            DELETE FROM {interaction} i
            USING (
                SELECT session_key FROM {interaction}
                WHERE session_key IS NOT NULL
                GROUP BY session_key HAVING max(updated_at) < %s
            ) idle
            WHERE i.session_key = idle.session_key
"""


# One statement: the likes (liked, or rated at least LIKE_RATING, not dismissed),
# each owner's most recent `cap`; films liked together by at least `min_together`
# owners, scored by cosine over likers; each film's best `neighbours` kept by
# cosine and by co-likers (popular neighbours have lower cosines).
REBUILD_SQL = """
WITH likes AS (
    SELECT owner, movie_id FROM (
        SELECT owner, movie_id,
               row_number() OVER (PARTITION BY owner ORDER BY at DESC, movie_id) AS n
        FROM (
            SELECT COALESCE('u' || user_id::text, 's' || session_key,
                            'x' || external_id) AS owner,
                   movie_id, max(created_at) AS at
            FROM {interaction}
            WHERE kind = 'liked' OR (kind = 'rated' AND rating >= %(like)s)
            GROUP BY 1, 2
        ) liked
        WHERE NOT EXISTS (
            SELECT 1 FROM {interaction} d
            WHERE d.kind = 'dismissed' AND d.movie_id = liked.movie_id
              AND COALESCE('u' || d.user_id::text, 's' || d.session_key,
                           'x' || d.external_id) = liked.owner
        )
    ) recent WHERE n <= %(cap)s
),
counts AS (
    INSERT INTO {likecount} (movie_id, likers)
    SELECT movie_id, count(*) FROM likes GROUP BY movie_id
    RETURNING movie_id, likers
),
pairs AS (
    SELECT a.movie_id AS movie_id, b.movie_id AS other_id, count(*) AS together
    FROM likes a JOIN likes b ON a.owner = b.owner AND a.movie_id <> b.movie_id
    GROUP BY 1, 2 HAVING count(*) >= %(min_together)s
),
scored AS (
    SELECT p.movie_id, p.other_id, p.together,
           p.together / sqrt(ca.likers::float8 * cb.likers) AS score
    FROM pairs p
    JOIN counts ca ON ca.movie_id = p.movie_id
    JOIN counts cb ON cb.movie_id = p.other_id
),
ranked AS (
    SELECT *,
           row_number() OVER (
               PARTITION BY movie_id ORDER BY score DESC, together DESC, other_id
           ) AS by_score,
           row_number() OVER (
               PARTITION BY movie_id ORDER BY together DESC, score DESC, other_id
           ) AS by_together
    FROM scored
)
INSERT INTO {colike} (movie_id, other_id, together, score)
SELECT movie_id, other_id, together, score FROM ranked
WHERE by_score <= %(neighbours)s OR by_together <= %(neighbours)s
"""


def colikes_rebuild(*, cap: int = 500) -> int:
    """Rebuild co-likes and like counts from all interactions; returns the pairs.

    Readers see the old table until the transaction commits (MVCC); concurrent
    rebuilds wait for each other."""
    params = {
        "like": conf.get("RECOMMENDATIONS_LIKE_RATING"),
        "cap": cap,
        "min_together": conf.get("RECOMMENDATIONS_MIN_TOGETHER"),
        "neighbours": conf.get("RECOMMENDATIONS_NEIGHBOURS"),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('colikes_rebuild'))")
        cursor.execute(with_tables("DELETE FROM {colike}", colike=CoLike))
        cursor.execute(with_tables("DELETE FROM {likecount}", likecount=LikeCount))
        cursor.execute(
            with_tables(
                REBUILD_SQL, interaction=Interaction, colike=CoLike, likecount=LikeCount
            ),
            params,
        )
        pairs = cursor.rowcount
        # Fresh statistics: with the planner's defaults for a table just refilled,
        # summing a visitor's co-likes took a sequential scan (0.2 s, not 4 ms).
        cursor.execute(
            with_tables(
                "ANALYZE {colike}, {likecount}", colike=CoLike, likecount=LikeCount
            )
        )
    # Lists derived from like counts (similar.genre_popular) start afresh.
    cache.set("recs:colikes-version", time.time_ns(), None)
    return pairs
