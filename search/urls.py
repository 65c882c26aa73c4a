from django.urls import path, re_path

from search import api, health, openapi, views

app_name = "search"
urlpatterns = [
    path("", views.home, name="home"),
    path("movies/<int:pk>/", views.movie_detail, name="movie"),
    path("api/search", api.search, name="api-search"),
    path("api/movies/<int:pk>", api.movie_detail, name="api-movie"),
    path("api/movies/<int:pk>/similar", api.similar, name="api-similar"),
    path("healthz", health.healthz, name="healthz"),
    path("api/openapi.json", openapi.openapi, name="api-openapi"),
    re_path(r"^api/", api.not_found),
]
