from django.contrib import admin

from moviesearch.catalogue import catalogue
from moviesearch.recommendations.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["owner", "movie", "kind", "rating", "created_at"]
    list_filter = ["kind", "created_at"]
    raw_id_fields = ["movie", "user"]
    list_select_related = ["movie", "user"]
    date_hierarchy = "created_at"

    def get_search_fields(self, request):
        """The film's declared title (Catalogue.title), the visitor's ids."""
        return [f"movie__{catalogue().title}", "external_id", "user__username"]

    @admin.display(description="owner")
    def owner(self, obj):
        if obj.user_id:
            return obj.user
        return obj.external_id or f"anonymous {obj.session_key[:8]}…"
