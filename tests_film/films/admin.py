from django.contrib import admin

from moviesearch.admin import EmbeddedMovieAdmin, EmbeddingStatusFilter
from tests_film.films.models import Film


@admin.register(Film)
class FilmAdmin(EmbeddedMovieAdmin, admin.ModelAdmin):
    list_display = ["name", "released", "status"]
    list_filter = [EmbeddingStatusFilter]
    readonly_fields = ["embedding_info", "nearest_movies"]
    filter_horizontal = ["tags", "directors"]
