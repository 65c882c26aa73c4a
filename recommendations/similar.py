"""Movies like this one: content signals and co-likes, blended by learned weights.

Candidates come from the film's vector neighbours, the films sharing its people and
genres, the most popular films of its first genre and its co-liked films; each is
scored by weights.CONTENT (no co-likes known for the film) or weights.BLEND."""

from dataclasses import dataclass, field

from django.core.cache import cache

from catalog.models import Credit, Movie
from recommendations import weights
from recommendations.features import feature_rows, first_genre_id
from recommendations.models import CoLike, LikeCount
from search.ranking import Ranked, semantic_ranked

POOL = 100  # candidates taken from each source
GENRE_CACHE_SECONDS = 300
VERSION_KEY = "recs:colikes-version"  # set by services.colikes_rebuild


@dataclass
class SimilarRanked(Ranked):
    co_liked: set[int] = field(default_factory=set)  # ids liked with the film


def sharing_people(queryset, movie) -> list[int]:
    """The most voted films sharing a director or a top-billed actor with this one
    (index lookups; a count over every credit costs ten times more)."""
    people = Credit.objects.filter(movie_id=movie.pk, order__lt=5).values("person_id")
    return list(
        queryset.filter(
            pk__in=Credit.objects.filter(person_id__in=people).values("movie_id")
        )
        .order_by("-vote_count", "pk")
        .values_list("pk", flat=True)[:POOL]
    )


def genre_popular(genre_id: int) -> list[int]:
    """The 30 most voted and the 30 most liked films of a genre (whole catalogue;
    cached for GENRE_CACHE_SECONDS: popularity moves slowly)."""
    key = f"recs:genre-popular:{cache.get(VERSION_KEY, 0)}:{genre_id}"
    ids = cache.get(key)
    if ids is None:
        in_genre = Movie.objects.filter(genres=genre_id)
        ids = list(
            in_genre.order_by("-vote_count", "pk").values_list("pk", flat=True)[:30]
        )
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
    """Candidate ids (in no particular order) and those co-liked with the film.

    The sources read the whole catalogue (the vector neighbours by the bare HNSW
    index: no filter to estimate); one query then keeps those in `queryset`."""
    ids: dict[int, None] = {}
    if movie.embedding is not None:
        nearest = semantic_ranked(queryset.model.objects.all(), movie.embedding, POOL)
        ids.update(dict.fromkeys(nearest.ids))
    ids.update(dict.fromkeys(sharing_people(queryset, movie)))
    genre = first_genre_id(movie)
    if genre is not None:
        ids.update(dict.fromkeys(genre_popular(genre)))
    mine = CoLike.objects.filter(movie_id=movie.pk)
    co_liked = list(
        mine.order_by("-score", "other_id").values_list("other_id", flat=True)[:POOL]
    ) + list(
        mine.order_by("-together", "other_id").values_list("other_id", flat=True)[:POOL]
    )
    ids.update(dict.fromkeys(co_liked))
    ids.update(dict.fromkeys(most_liked()))
    ids.pop(movie.pk, None)
    kept = set(queryset.filter(pk__in=list(ids)).values_list("pk", flat=True))
    return [pk for pk in ids if pk in kept], set(co_liked) & kept


def similar_ranked(queryset, movie, depth: int) -> SimilarRanked:
    """Rank movies like this one (the queryset must exclude it)."""
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
