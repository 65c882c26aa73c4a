from django.urls import path, re_path

from moviesearch.recommendations import api as recs_api
from moviesearch.search import api, health, openapi, views

urlpatterns = [
    path("", views.home, name="home"),
    path("movies/<int:pk>/", views.movie_detail, name="movie"),
    path("api/search", api.search, name="api-search"),
    path("api/movies/<int:pk>", api.movie_detail, name="api-movie"),
    path("api/movies/<int:pk>/similar", api.similar, name="api-similar"),
    path("api/suggest", api.suggest, name="api-suggest"),
    path(
        "api/movies/<int:pk>/interactions",
        recs_api.interactions,
        name="api-interactions",
    ),
    path("api/recommendations", recs_api.recommendations, name="api-recommendations"),
    path("api/history", recs_api.history, name="api-history"),
    path("api/history/clear", recs_api.history_clear, name="api-history-clear"),
    path("healthz", health.healthz, name="healthz"),
    path("api/openapi.json", openapi.openapi, name="api-openapi"),
    re_path(r"^api/", api.not_found),
]
