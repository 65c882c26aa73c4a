"""Pages for visitors: search (with filters and paging) and a movie's page."""

from django.shortcuts import get_object_or_404, render

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.search.params import (
    BadParameter,
    SearchParams,
    genre_names,
    parse_search_params,
)
from moviesearch.search.ranking import MODES
from moviesearch.search.ratelimit import retry_after
from moviesearch.search.services import movies_search

PER_PAGE = 12


def home(request):
    error, notice, movies, params = "", "", [], SearchParams(limit=PER_PAGE)
    understood = None
    try:
        params = parse_search_params(request.GET, default_limit=PER_PAGE)
        wait = retry_after(request) if params.q else 0
        if wait:
            response = render(
                request, "moviesearch/429.html", {"retry_after": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        # One extra row tells whether a next page exists.
        params.limit += 1
        result = movies_search(params=params)
        params.limit -= 1
        movies, notice = result.movies, result.notice
        understood = result
    except BadParameter as exc:
        error = str(exc)
    has_next = len(movies) > params.limit
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "params": params,
        "movies": movies[: params.limit],
        "error": error,
        "notice": notice,
        "understood": understood,
        "has_next": has_next,
        "base_query": query.urlencode(),
        "modes": MODES,
        "all_genres": genre_names(),
        "languages": _languages(),
        "has_years": bool(catalogue().year),
    }
    return render(
        request, "moviesearch/home.html", context, status=400 if error else 200
    )


def _languages() -> list[str]:
    """The language codes movies have (the language filter's choices)."""
    path = catalogue().language
    if not path:
        return []
    return list(
        movie_model()
        .objects.exclude(**{path: ""})
        .exclude(**{f"{path}__isnull": True})
        .order_by(path)
        .values_list(path, flat=True)
        .distinct()
    )


def movie_detail(request, pk):
    movie = get_object_or_404(movie_model().objects.with_facts(), pk=pk)
    return render(request, "moviesearch/movie.html", {"movie": movie})
