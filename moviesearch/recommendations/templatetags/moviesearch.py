"""The plugin's template library: `{% load moviesearch %}`.

    {% search_form %}                  the search box with suggestions as you type
    {% similar_movies movie 8 %}       "Similar movies" for a film, each with its reason
    {% recommended_for_you 10 %}       the visitor's picks, "Because you liked X"
    {% interaction_buttons movie %}    like / not interested / rate
    {{ code|language_name }}           "ja" -> "Japanese"
    {% with m=movie|shown %}           the movie as the declaration reads it:
                                       m.title, m.year, m.summary, m.url,
                                       m.genres, m.directors, m.cast, m.keywords

Each renders an overridable template under `moviesearch/`."""

from django import template

from moviesearch.recommendations import presentation as recs
from moviesearch.search import presentation as pages
from moviesearch.search.because import because
from moviesearch.search.display import shown

register = template.Library()
register.filter("language_name", pages.language_name)
register.filter("matching", pages.matching)
register.filter("shown", shown)
register.inclusion_tag("moviesearch/recommendations/_buttons.html", takes_context=True)(
    recs.interaction_buttons
)
register.inclusion_tag("moviesearch/recommendations/_for_you.html", takes_context=True)(
    recs.recommended_for_you
)


@register.inclusion_tag("moviesearch/_similar.html")
def similar_movies(movie, limit=8):
    """The films most like `movie` (content and co-likes), each with `because`."""
    similar = type(movie).objects.similar_to(movie, limit=int(limit))
    for other in similar:
        other.because = because(movie, other)
    return {"similar": similar}


@register.inclusion_tag("moviesearch/_search_form.html", takes_context=True)
def search_form(context):
    """The search box; it keeps the query of the page it is on."""
    params = context.get("params")
    return {"q": getattr(params, "q", "") or ""}
