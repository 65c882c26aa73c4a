"""JSON endpoints: record interactions, read recommendations and history.

Writes need Django's CSRF token (the csrftoken cookie, set by any GET here or any
page with a form, sent back as the X-CSRFToken header)."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.recommendations import selectors, services
from moviesearch.recommendations.ratelimit import write_retry_after
from moviesearch.recommendations.visitors import visitor_from_request
from moviesearch.search.api import movie_result
from moviesearch.search.http import json_error, methods
from moviesearch.search.params import BadParameter, _int


def _throttled(request) -> JsonResponse | None:
    wait = write_retry_after(request)
    if not wait:
        return None
    response = json_error(429, f"too many interactions; retry in {wait} s")
    response["Retry-After"] = str(wait)
    return response


def _body(request) -> dict:
    """The request's fields, from JSON or a form."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise BadParameter("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadParameter("the body must be a JSON object")
        return data
    return request.POST.dict()


@methods("POST", "DELETE")
def interactions(request, pk: int):
    throttled = _throttled(request)
    if throttled:
        return throttled
    if not movie_model().objects.filter(pk=pk).exists():
        return json_error(404, f"no movie with id {pk}")
    if request.method == "DELETE":
        visitor = visitor_from_request(request)
        deleted = services.interactions_clear(visitor=visitor, movie_id=pk)
        return JsonResponse({"id": pk, "deleted": deleted})
    try:
        data = _body(request)
        kind, rating = data.get("kind"), data.get("rating")
        if not isinstance(kind, str):
            raise BadParameter("kind is required (viewed, liked, dismissed, rated)")
        if rating is not None and not isinstance(rating, (str, int, float)):
            raise BadParameter("rating must be a number")
        if isinstance(rating, bool):
            raise BadParameter("rating must be a number")
        visitor = visitor_from_request(request, create=True)
        done = services.interaction_record(
            visitor=visitor, movie_id=pk, kind=kind, rating=rating
        )
    except (BadParameter, services.BadInteraction) as exc:
        return json_error(400, str(exc))
    return JsonResponse(interaction_result(done), status=201)


def interaction_result(interaction) -> dict:
    return {
        "id": interaction.movie_id,
        "kind": interaction.kind,
        "rating": float(interaction.rating) if interaction.rating is not None else None,
        "at": interaction.created_at.isoformat(),
    }


@methods("GET")
@ensure_csrf_cookie
def recommendations(request):
    try:
        limit = _int(request.GET, "limit", 10, 1, 100)
    except BadParameter as exc:
        return json_error(400, str(exc))
    visitor = visitor_from_request(request)
    picks = selectors.recommended(visitor=visitor, limit=limit)
    return JsonResponse({"limit": limit, "results": recommendation_results(picks)})


def recommendation_results(picks) -> list[dict]:
    """API rows for recommendations, each with its "because you liked" line."""
    movies = (
        movie_model()
        .objects.filter(pk__in=[p.movie_id for p in picks])
        .with_facts()
        .in_bulk()
    )
    titles = dict(  # of the liked films: their titles are all a because line needs
        movie_model()
        .objects.filter(pk__in={p.because_id for p in picks})
        .values_list("pk", catalogue().title)
    )
    results = []
    for pick in picks:
        movie = movies.get(pick.movie_id)
        if movie is None:
            continue
        movie.score = pick.score
        liked = titles.get(pick.because_id)
        reason = [f"Because you liked {liked}"] if liked else []
        results.append(movie_result(movie) | {"because": reason})
    return results


@methods("GET")
@ensure_csrf_cookie
def history(request):
    try:
        limit = _int(request.GET, "limit", 20, 1, 100)
        page = _int(request.GET, "page", 1, 1, 100)
    except BadParameter as exc:
        return json_error(400, str(exc))
    visitor = visitor_from_request(request)
    rows = selectors.history(visitor)[(page - 1) * limit : page * limit]
    movies = (
        movie_model().objects.filter(pk__in=[r.movie_id for r in rows]).with_facts()
    )
    facts = movies.in_bulk()
    results = [
        interaction_result(r) | {"movie": movie_result(facts[r.movie_id])}
        for r in rows
        if r.movie_id in facts
    ]
    return JsonResponse({"page": page, "limit": limit, "results": results})


@methods("POST")
def history_clear(request):
    throttled = _throttled(request)
    if throttled:
        return throttled
    deleted = services.interactions_clear(visitor=visitor_from_request(request))
    return JsonResponse({"deleted": deleted})
