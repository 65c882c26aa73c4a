"""Admin parts for a host's movie admin: the embedding status column and filter,
the vector's provenance and nearest films on the change page, a meaning-based
search ("~ war movie with great story") and a re-embed action.

    class MovieAdmin(EmbeddedMovieAdmin, admin.ModelAdmin):
        list_display = ["title", "status"]
        list_filter = [EmbeddingStatusFilter]
        readonly_fields = ["embedding_info", "nearest_movies"]
"""

from django.apps import apps
from django.contrib import admin, messages
from django.db.models import Case, When
from django.utils.html import format_html_join


def _meaning_search(term: str) -> bool:
    return term.startswith("~") and bool(term[1:].strip())


class EmbeddingStatusFilter(admin.SimpleListFilter):
    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("current", "Current"), ("stale", "Stale")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.embedding_missing()
        if self.value() == "current":
            return queryset.embedding_current()
        if self.value() == "stale":
            return queryset.embedding_stale()
        return queryset


class _DeclaredTitles:
    """search_fields unless the host sets its own: the declared title fields, so
    the changelist has a search box (titles, and "~ meaning") and other admins can
    autocomplete movies (relevance judgments)."""

    def __get__(self, admin_obj, owner=None):
        from moviesearch.catalogue import catalogue

        return list(catalogue().titles)


class EmbeddedMovieAdmin:
    """A mixin for the host's ModelAdmin of a model inheriting EmbeddedMovie."""

    actions = ["reembed"]
    search_fields = _DeclaredTitles()

    def get_queryset(self, request):
        return (
            super().get_queryset(request).defer("search_vector").with_embedding_status()
        )

    @admin.display(description="Embedding", ordering="embedding_status")
    def status(self, movie):
        return movie.embedding_status

    @admin.display(description="Embedding")
    def embedding_info(self, movie):
        from moviesearch.embeddings.encoder import model_identity

        if movie.pk is None:
            return "Computed after the first save."
        lines = [
            ("Status", movie.embedding_status),
            ("Made by", movie.embedding_model or "—"),
            ("Configured model", model_identity()),
            ("Embedded at", movie.embedded_at or "—"),
        ]
        if movie.embedding_error:
            lines.append(("Last error", movie.embedding_error))
        return format_html_join("", "<div><b>{}:</b> {}</div>", lines)

    @admin.display(description="Nearest movies")
    def nearest_movies(self, movie):
        if movie.pk is None or movie.embedding is None:
            return "No vector yet."
        movies = type(movie).objects
        if apps.is_installed("moviesearch.recommendations"):
            near = [(m, m.score) for m in movies.similar_to(movie, limit=10)]
        else:  # vector neighbours alone
            found = movies.exclude(pk=movie.pk).nearest(movie.embedding)[:10]
            near = [(m, 1.0 - m.distance) for m in found]
        return format_html_join(
            "",
            '<div><a href="../../{}/change/">{}</a> — {}</div>',
            [(m.pk, str(m), f"{score:.3f}") for m, score in near],
        )

    def get_search_results(self, request, queryset, search_term):
        if _meaning_search(search_term):
            from moviesearch.search.ranking import rank

            ids = rank(queryset, search_term[1:].strip(), "hybrid", depth=50).ids[:50]
            order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], default=0)
            # The changelist orders before it searches, so this order wins.
            return queryset.filter(pk__in=ids).order_by(order), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description="Re-embed selected movies")
    def reembed(self, request, queryset):
        from moviesearch.embeddings.tasks import embed_movies

        ids = list(queryset.values_list("pk", flat=True))
        try:
            for start in range(0, len(ids), 64):
                embed_movies.delay(ids[start : start + 64], force=True)
        except Exception as exc:
            self.message_user(
                request, f"Could not reach the task queue: {exc}", messages.ERROR
            )
            return
        self.message_user(request, f"Enqueued {len(ids)} movies for embedding.")
