"""The movie page's buttons and the home page's "Recommended for you": inclusion tags
of the `moviesearch` template library (templatetags/moviesearch.py)."""

from moviesearch.catalogue import movie_model
from moviesearch.recommendations import selectors
from moviesearch.recommendations.models import Interaction
from moviesearch.recommendations.visitors import visitor_from_request
from moviesearch.search.display import shown

RATINGS = [x / 2 for x in range(10, 0, -1)]


def interaction_buttons(context, movie):
    """Like / not interested / rate forms, showing what the visitor already did."""
    request = context["request"]
    visitor = visitor_from_request(request)
    done = {}
    if visitor:
        done = {
            i.kind: i
            for i in Interaction.objects.filter(visitor.q(), movie_id=movie.pk)
        }
    rated = done.get("rated")
    return {
        "movie": movie,
        "liked": "liked" in done,
        "dismissed": "dismissed" in done,
        "rating": float(rated.rating) if rated else None,
        "ratings": RATINGS,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }


def recommended_for_you(context, limit=6):
    """A visitor's recommendations, each with its "because you liked" line."""
    visitor = visitor_from_request(context["request"])
    if not selectors.has_history(visitor):
        return {"movies": []}
    picks = selectors.recommended(visitor=visitor, limit=limit)
    ids = {p.movie_id for p in picks} | {p.because_id for p in picks}
    movies = movie_model().objects.filter(pk__in=ids).with_facts().in_bulk()
    picked = []
    for pick in picks:
        movie = movies.get(pick.movie_id)
        liked = movies.get(pick.because_id)
        if movie is not None:
            movie.because = f"Because you liked {shown(liked).title}" if liked else ""
            picked.append(movie)
    return {"movies": picked}
