"""The read-only JSON API. Its shapes are a contract other tools depend on."""

from datetime import date
from decimal import Decimal

from django.http import JsonResponse

from moviesearch.catalogue import catalogue, movie_model, value
from moviesearch.search import suggest as suggestions
from moviesearch.search.because import because
from moviesearch.search.display import shown
from moviesearch.search.http import json_error, methods
from moviesearch.search.params import (
    BadParameter,
    _int,
    clean_text,
    parse_search_params,
)
from moviesearch.search.ratelimit import retry_after
from moviesearch.search.services import movies_search


def movie_result(movie) -> dict:
    """A result as the API shows it: id, the film's TMDB id when declared, title,
    year, genres, directors, score and address."""
    spec, m = catalogue(), shown(movie)
    result = {"id": movie.pk}
    if spec.tmdb_id:
        result["tmdb_id"] = value(movie, spec.tmdb_id)
    return result | {
        "title": m.title,
        "year": m.year,
        "genres": m.genres,
        "directors": m.directors,
        "score": round(float(getattr(movie, "score", 0.0)), 6),
        "url": m.url,
    }


def _plain(found):
    """A declared detail as JSON can hold it: numbers, text, dates (ISO) as they
    are, anything else (a file, a related row) as its text."""
    if found is None or isinstance(found, (str, int, float, bool, date, Decimal)):
        return found
    return str(found)


def _why(movie) -> dict:
    """Why a search result matched (moviesearch.search.explain) and how strongly."""
    return {
        "because": getattr(movie, "because", []),
        "snippet": str(getattr(movie, "snippet", "")),
        "match": getattr(movie, "match", "strong"),
    }


def _movie_or_none(pk: int):
    return movie_model().objects.with_facts().filter(pk=pk).first()


@methods("GET")
def search(request):
    try:
        params = parse_search_params(request.GET)
    except BadParameter as exc:
        return json_error(400, str(exc))
    wait = retry_after(request) if params.q else 0
    if wait:
        response = json_error(429, f"too many searches; retry in {wait} s")
        response["Retry-After"] = str(wait)
        return response
    result = movies_search(params=params)
    body = {
        "query": params.q,
        "mode": result.mode,
        "page": params.page,
        "limit": params.limit,
        "results": [movie_result(m) | _why(m) for m in result.movies],
    }
    if result.notice:
        body["notice"] = result.notice
    body["understood"] = [
        {
            "typed": r.typed,
            "person": {"id": r.person_id, "name": r.name},
            "how": r.how,
            "others": [{"id": pk, "name": name} for pk, name in r.others],
        }
        for r in result.understood
    ]
    body["corrected"] = [
        {"typed": typed, "word": word} for typed, word in result.corrected.items()
    ]
    if result.understood_message:
        body["message"] = result.understood_message
    return JsonResponse(body)


@methods("GET")
def similar(request, pk: int):
    try:
        limit = _int(request.GET, "limit", 10, 1, 100)
        page = _int(request.GET, "page", 1, 1, 100)
    except BadParameter as exc:
        return json_error(400, str(exc))
    movie = _movie_or_none(pk)
    if movie is None:
        return json_error(404, f"no movie with id {pk}")
    movies = movie_model().objects.similar_to(
        movie, limit=limit, offset=(page - 1) * limit
    )
    results = [movie_result(m) | {"because": [because(movie, m)]} for m in movies]
    return JsonResponse(
        {"id": movie.pk, "page": page, "limit": limit, "results": results}
    )


@methods("GET")
def movie_detail(request, pk: int):
    movie = _movie_or_none(pk)
    if movie is None:
        return json_error(404, f"no movie with id {pk}")
    spec, m = catalogue(), shown(movie)
    body = {"id": movie.pk, "title": m.title, "year": m.year}
    if spec.tmdb_id:
        body["tmdb_id"] = value(movie, spec.tmdb_id)
    body |= {key: _plain(value(movie, path)) for key, path in spec.details.items()}
    body |= {
        "genres": m.genres,
        "directors": m.directors,
        "cast": m.cast,
        "keywords": m.keywords,
        "url": m.url,
    }
    if "studio" in spec.facts:
        body["studios"] = m.studios
    return JsonResponse(body)


@methods("GET")
def suggest(request):
    raw = request.GET.get("q", "")
    text = clean_text(raw)
    if not text or len(raw) > suggestions.MAX_LENGTH:
        return json_error(400, f"q must have 1 to {suggestions.MAX_LENGTH} characters")
    try:
        limit = _int(request.GET, "limit", 8, 1, suggestions.MAX_LIMIT)
    except BadParameter as exc:
        return json_error(400, str(exc))
    return JsonResponse({"query": text} | suggestions.suggest(text=text, limit=limit))


def not_found(request, *args, **kwargs):
    return json_error(404, "no such API endpoint")
