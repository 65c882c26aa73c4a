"""The plugin's pages and API under one namespace, "moviesearch":

    path("", include("moviesearch.urls")),   # or a prefix: "films/"

`{% url "moviesearch:home" %}`, `reverse("moviesearch:movie", args=[pk])`."""

from moviesearch.recommendations.urls import urlpatterns as _recommendations
from moviesearch.search.urls import urlpatterns as _search

app_name = "moviesearch"
urlpatterns = [*_search, *_recommendations]
