"""The search the API and the pages share, with its fallbacks."""

import logging
from dataclasses import dataclass, field

from django.db.models import F

from moviesearch.catalogue import catalogue, movie_model, value
from moviesearch.search.explain import explain_results
from moviesearch.search.params import SearchParams
from moviesearch.search.studios import Studios

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    movies: list
    mode: str
    notice: str = ""
    # Names the query gave in part or misspelled, and whom they were taken to mean
    # (moviesearch.search.people.Resolution).
    understood: list = field(default_factory=list)
    # Misspelled words read as the catalogue's ({"lawer": "lawyer"}).
    corrected: dict = field(default_factory=dict)
    # "newest" or "oldest" when the named people's films are listed by release.
    order: str = ""
    # The studios a short query named.
    studios: Studios | None = None

    @property
    def understood_message(self) -> str:
        """What was assumed, e.g. "Showing films by Christopher Nolan (you typed
        “christopher nlan”)", "Showing results for “lawyer” (you typed “lawer”)"."""
        people = [
            f"Showing films by {r.name} ("
            + ("you typed" if r.how == "misspelling" else "for")
            + f" “{r.typed}”)"
            for r in self.understood
        ]
        words = [
            f"Showing results for “{word}” (you typed “{typed}”)"
            for typed, word in self.corrected.items()
        ]
        studios = [self.studios.message()] if self.studios else []
        dated = {"newest": "Newest first", "oldest": "Earliest first"}.get(self.order)
        return "; ".join([*people, *studios, *words, *([dated] if dated else [])])


def movies_search(*, params: SearchParams) -> SearchResult:
    """Run a search; an empty query lists popular films; a model that cannot load
    degrades to keyword ranking and says so."""
    queryset = params.filter(movie_model().objects.all())
    if not params.q:
        popularity = catalogue().popularity
        order = [F(popularity).desc(nulls_last=True)] if popularity else []
        page = list(
            queryset.order_by(*order, "pk").with_facts()[
                params.offset : params.offset + params.limit
            ]
        )
        for movie in page:
            movie.score = float(value(movie, popularity) or 0) if popularity else 0.0
        return SearchResult(page, params.mode)
    mode, notice = params.mode, ""
    try:
        movies = queryset.search(
            params.q, mode=params.mode, limit=params.limit, offset=params.offset
        )
    except Exception as exc:
        if params.mode == "keyword" or not _is_model_failure(exc):
            raise
        log.error("semantic ranking unavailable, falling back to keyword: %s", exc)
        movies = queryset.search(
            params.q, mode="keyword", limit=params.limit, offset=params.offset
        )
        mode = "keyword"
        notice = (
            "Meaning-based ranking is unavailable right now; these are keyword results."
        )
    found = getattr(movies, "found", None)
    explain_results(text=params.q, movies=movies, entities=found)
    understood = list(found.resolutions) if found else []
    spelled = dict(found.spelled) if found is not None else {}
    return SearchResult(
        movies,
        mode,
        notice,
        understood=understood,
        corrected=spelled,
        order=(found.order or "") if found is not None else "",
        studios=found.studios if found is not None else None,
    )


def _is_model_failure(exc: Exception) -> bool:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    return isinstance(exc, ImproperlyConfigured) or not isinstance(exc, DatabaseError)
