"""Keyword, semantic and hybrid ranking over any filtered movie queryset.

Hybrid = weighted Reciprocal Rank Fusion of the full-text and vector rankings, plus
a boost for movies that carry a person, genre, keyword or decade the query names
(equal-weight RRF alone loses to keyword ranking on names: see
../shared/QUALITY_ANCHORS.md), and a larger one for a movie whose exact title the
query is. `manage.py evaluate` measures each family of queries."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q
from pgvector.django import CosineDistance

from search import entities
from search.vectors import query_vector, vector_scan

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 60
WINDOW = 100  # candidates taken from each ranking before fusion
# Words that frame a query rather than describe a film; dropped from the keyword
# query when anything else is left.
FILLER = {
    "movie", "movies", "film", "films", "directed", "director", "starring", "stars",
    "about", "great", "good", "story", "best", "with", "by", "a", "an", "the", "of",
    "show", "me", "find", "some", "like",
}  # fmt: skip


@dataclass
class Ranked:
    ids: list[int]
    scores: dict[int, float]


def keyword_query(text: str) -> SearchQuery | None:
    """OR of the query's words: never a syntax error, whatever the user typed."""
    words = [w.casefold() for w in re.findall(r"\w+", text)][:32]
    kept = [w for w in words if w not in FILLER] or words
    if not kept:
        return None
    return SearchQuery(
        " | ".join(f"'{w}'" for w in kept), search_type="raw", config="english"
    )


def keyword_ranked(queryset, text: str, limit: int) -> Ranked:
    query = keyword_query(text)
    if query is None:
        return Ranked([], {})
    rows = (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, cover_density=True))
        .order_by("-rank", "-popularity", "pk")
        .values_list("pk", "rank")[:limit]
    )
    rows = list(rows)
    return Ranked([pk for pk, _ in rows], {pk: float(r) for pk, r in rows})


def semantic_ranked(queryset, vector, limit: int) -> Ranked:
    with vector_scan(queryset, limit):
        rows = list(
            queryset.filter(embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("pk", "distance")[:limit]
        )
    rows.sort(key=lambda row: row[1])  # relaxed_order may return near-sorted rows
    return Ranked([pk for pk, _ in rows], {pk: 1.0 - float(d) for pk, d in rows})


def entity_ranked(queryset, found: entities.Entities, limit: int) -> Ranked:
    """Movies carrying the named people (else the named genres and keywords) of the
    named decade, most famous first."""
    if found.years:
        queryset = queryset.filter(year__gte=found.years[0], year__lte=found.years[1])
    if found.people:
        match = Q(credits__person__in=found.people)
        if found.role:
            match &= Q(credits__role=found.role)
    else:
        match = Q()  # only a decade, unless genres or keywords are named too
        if found.genres:
            match &= Q(genres__in=found.genres)
        if found.keywords:
            match &= Q(keywords__in=found.keywords)
    ids = list(
        queryset.filter(match)
        .order_by("-popularity", "pk")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    return Ranked(ids, {pk: 1.0 for pk in ids})


def exact_titles(queryset, text: str, candidates: set[int]) -> list[int]:
    """The candidates whose title (or original title) is exactly the query (found
    by the UPPER(title) indexes, then kept if a candidate: pk__in a few hundred
    ids cost more to plan than the lookup)."""
    text = " ".join(text.split())
    match = Q(title__iexact=text) | Q(original_title__iexact=text)
    found = queryset.filter(match).values_list("pk", flat=True)[:100]
    return [pk for pk in found if pk in candidates]


def fuse(rankings: list[tuple[Ranked, float]]) -> Ranked:
    """Weighted Reciprocal Rank Fusion."""
    scores: dict[int, float] = {}
    for ranked, weight in rankings:
        for rank, pk in enumerate(ranked.ids, start=1):
            scores[pk] = scores.get(pk, 0.0) + weight / (RRF_K + rank)
    ids = sorted(scores, key=lambda pk: -scores[pk])
    return Ranked(ids, scores)


def rank(queryset, text: str, mode: str, depth: int) -> Ranked:
    """Rank movies for a query; depth is how many results the caller may page to."""
    window = max(WINDOW, depth)
    if mode == "keyword":
        return keyword_ranked(queryset, text, depth)
    vector = query_vector(text)
    if mode == "semantic":
        return semantic_ranked(queryset, vector, depth)
    semantic = semantic_ranked(queryset, vector, window)
    keyword = keyword_ranked(queryset, text, window)
    found = entities.recognise(text)
    named = entity_ranked(queryset, found, window) if found else Ranked([], {})
    fused = fuse([(keyword, 1.0), (semantic, 1.0), (named, 1.0)])
    # A movie carrying what the query names outranks any that does not, and a
    # movie the query is the exact title of outranks all.
    for pk in named.ids:
        fused.scores[pk] += 1.0
    for pk in exact_titles(queryset, text, {*keyword.ids, *semantic.ids}):
        fused.scores[pk] = fused.scores.get(pk, 0.0) + 2.0
    fused.ids = sorted(fused.scores, key=lambda pk: -fused.scores[pk])
    return fused


def similar_ranked(queryset, movie, depth: int) -> Ranked:
    """Movies like this one: its vector neighbours fused with the movies sharing
    its people and genres (vectors alone rarely know who directed what)."""
    shared = shared_facts_ranked(queryset, movie, max(WINDOW, depth))
    if movie.embedding is None:
        return shared
    neighbours = semantic_ranked(queryset, movie.embedding, max(WINDOW, depth))
    return fuse([(neighbours, 1.0), (shared, 1.0)])


def shared_facts_ranked(queryset, movie, limit: int) -> Ranked:
    """Movies sharing people (weighted 3) and genres with this one."""
    people = list(movie.credits.values_list("person_id", flat=True))
    genres = list(movie.genres.values_list("pk", flat=True))
    rows = list(
        queryset.filter(Q(credits__person__in=people) | Q(genres__in=genres))
        .annotate(
            shared=Count("credits", filter=Q(credits__person__in=people), distinct=True)
            * 3
            + Count("genres", filter=Q(genres__in=genres), distinct=True)
        )
        .order_by("-shared", "-popularity", "pk")
        .values_list("pk", "shared")[:limit]
    )
    top = max((s for _, s in rows), default=1) or 1
    return Ranked([pk for pk, _ in rows], {pk: s / top for pk, s in rows})
