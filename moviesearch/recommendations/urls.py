from django.urls import path

from moviesearch.recommendations import views

urlpatterns = [
    path(
        "movies/<int:pk>/interactions",
        views.movie_interaction,
        name="movie-interaction",
    ),
    path("history/", views.history_page, name="history"),
    path("history/clear", views.history_clear, name="history-clear"),
]
