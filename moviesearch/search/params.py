"""Validate search parameters from a query string; errors say what is wrong."""

import re
from dataclasses import dataclass, field

from moviesearch.catalogue import catalogue
from moviesearch.conf import settings
from moviesearch.embeddings.models import Name
from moviesearch.search.ranking import MODES

MAX_DEPTH = 1000  # page * limit: deep paging past this is refused
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadParameter(ValueError):
    """A query-string parameter that cannot be used; the message is shown as is."""


@dataclass
class SearchParams:
    q: str = ""
    mode: str = "hybrid"
    limit: int = 10
    page: int = 1
    genres: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    language: str = ""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def filter(self, queryset):
        """Apply the filters (not the query) to a movie queryset: genres through
        the movies' facts, year and language through the declared paths."""
        # By name id, not name: the planner then knows how many movies a genre has,
        # and search.vectors chooses an exact or an HNSW scan from its estimate.
        spec = catalogue()
        if self.genres:
            ids = dict(
                Name.objects.filter(
                    kind=Name.Kind.GENRE, name__in=self.genres
                ).values_list("name", "pk")
            )
            for name in self.genres:
                if name not in ids:
                    return queryset.none()
                queryset = queryset.filter(
                    moviesearch_facts__role="genre", moviesearch_facts__name=ids[name]
                )
        if self.year_min is not None:
            queryset = queryset.filter(**{f"{spec.year}__gte": self.year_min})
        if self.year_max is not None:
            queryset = queryset.filter(**{f"{spec.year}__lte": self.year_max})
        if self.language:
            queryset = queryset.filter(**{spec.language: self.language})
        return queryset


def genre_names() -> list[str]:
    """The genres movies have, by name (the genre filter's choices)."""
    return list(
        Name.objects.filter(kind=Name.Kind.GENRE, facts__role="genre")
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )


def _int(data, name, default, low, high):
    raw = data.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}")
    return value


def clean_text(raw: str) -> str:
    return " ".join(_CONTROL.sub(" ", raw).split())


def parse_search_params(data, *, default_limit: int = 10) -> SearchParams:
    """Parse a QueryDict into SearchParams or raise BadParameter."""
    raw_q = data.get("q", "")
    if len(raw_q) > settings.SEARCH_MAX_QUERY_LENGTH:
        raise BadParameter(
            f"q is longer than {settings.SEARCH_MAX_QUERY_LENGTH} characters"
        )
    mode = data.get("mode", "").strip() or "hybrid"
    if mode not in MODES:
        raise BadParameter(f"mode must be one of {', '.join(MODES)}")
    params = SearchParams(
        q=clean_text(raw_q),
        mode=mode,
        limit=_int(data, "limit", default_limit, 1, settings.SEARCH_MAX_LIMIT),
        page=_int(data, "page", 1, 1, MAX_DEPTH),
        year_min=_int(data, "year_min", None, 0, 9999),
        year_max=_int(data, "year_max", None, 0, 9999),
    )
    spec = catalogue()
    if not spec.year and (params.year_min is not None or params.year_max is not None):
        raise BadParameter("this catalogue has no years to filter by")
    if params.page * params.limit > MAX_DEPTH:
        raise BadParameter(f"page * limit must be at most {MAX_DEPTH}")
    if (
        params.year_min is not None
        and params.year_max is not None
        and params.year_min > params.year_max
    ):
        raise BadParameter("year_min must not be greater than year_max")
    genres = [clean_text(g) for g in data.getlist("genre") if clean_text(g)]
    if len(genres) > 10:
        raise BadParameter("at most 10 genre filters")
    known = (
        {
            g.casefold(): g
            for g in Name.objects.filter(kind=Name.Kind.GENRE).values_list(
                "name", flat=True
            )
        }
        if genres
        else {}
    )
    for name in genres:
        if name.casefold() not in known:
            raise BadParameter(f"unknown genre {name[:60]!r}")
    params.genres = sorted({known[g.casefold()] for g in genres})
    language = data.get("language", "").strip().lower()
    if language and not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", language):
        raise BadParameter("language must be a language code such as 'en' or 'fr'")
    if language and not spec.language:
        raise BadParameter("this catalogue has no languages to filter by")
    params.language = language
    return params
