"""Pages: the movie page's buttons (plain CSRF forms) and the visitor's history."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from moviesearch.catalogue import movie_model
from moviesearch.conf import settings
from moviesearch.recommendations import selectors, services
from moviesearch.recommendations.ratelimit import write_retry_after
from moviesearch.recommendations.visitors import visitor_from_request
from moviesearch.search.display import movie_url


def _throttled(request):
    wait = write_retry_after(request)
    if not wait:
        return None
    response = render(
        request, "moviesearch/429.html", {"retry_after": wait}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def _back(request, default: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@require_POST
def movie_interaction(request, pk: int):
    throttled = _throttled(request)
    if throttled:
        return throttled
    movie = get_object_or_404(movie_model().objects.only("pk"), pk=pk)
    kind = request.POST.get("kind", "")
    if request.POST.get("undo"):
        services.interactions_clear(
            visitor=visitor_from_request(request), movie_id=movie.pk
        )
        return _back(request, movie_url(movie))
    try:
        services.interaction_record(
            visitor=visitor_from_request(request, create=True),
            movie_id=movie.pk,
            kind=kind,
            rating=request.POST.get("rating") if kind == "rated" else None,
        )
    except services.BadInteraction as exc:
        context = {"error": str(exc), "movie": movie}
        return render(
            request, "moviesearch/recommendations/bad_request.html", context, status=400
        )
    return _back(request, movie_url(movie))


@require_GET
def history_page(request):
    visitor = visitor_from_request(request)
    rows = list(selectors.history(visitor)[:200])
    days = round(settings.SESSION_COOKIE_AGE / 86400)
    context = {"rows": rows, "expire_days": days, "anonymous": not visitor.user_id}
    return render(request, "moviesearch/recommendations/history.html", context)


@require_POST
def history_clear(request):
    throttled = _throttled(request)
    if throttled:
        return throttled
    services.interactions_clear(visitor=visitor_from_request(request))
    return redirect(reverse("moviesearch:history"))
