from django.contrib import admin

from catalog.models import Company, Credit, Genre, Keyword, Movie, Person
from moviesearch.admin import EmbeddedMovieAdmin, EmbeddingStatusFilter


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["person", "role", "order"]


@admin.register(Movie)
class MovieAdmin(EmbeddedMovieAdmin, admin.ModelAdmin):
    list_display = ["title", "year", "original_language", "popularity", "status"]
    list_filter = [EmbeddingStatusFilter, "genres", "year", "original_language"]
    search_fields = ["title", "original_title", "credits__person__name"]
    search_help_text = (
        "Searches titles and people. Start with ~ for a meaning-based search, "
        "e.g. “~ war movie with great story”."
    )
    autocomplete_fields = ["genres", "keywords", "companies"]
    inlines = [CreditInline]
    readonly_fields = ["embedding_info", "nearest_movies"]
    fieldsets = [
        (None, {"fields": ["title", "original_title", "year", "release_date"]}),
        ("Story", {"fields": ["overview", "tagline", "genres", "keywords"]}),
        (
            "Facts",
            {
                "fields": [
                    "runtime",
                    "original_language",
                    "popularity",
                    "vote_average",
                    "vote_count",
                    "tmdb_id",
                    "imdb_id",
                    "companies",
                ]
            },
        ),
        ("Embedding", {"fields": ["embedding_info", "nearest_movies"]}),
    ]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["name"]
