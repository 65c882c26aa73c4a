from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from moviesearch.quality.models import Judgment, SavedQuery
from moviesearch.search.params import SearchParams
from moviesearch.search.ranking import MODES
from moviesearch.search.services import movies_search

SHOWN = 10
MARKS = {"good": "✓ good", "bad": "✗ bad", None: "· not judged"}


def _change_url(movie) -> str:
    """The host movie's admin change page."""
    meta = movie._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[movie.pk])


class JudgmentInline(admin.TabularInline):
    model = Judgment
    extra = 3
    autocomplete_fields = ["movie"]
    fields = ["movie", "verdict"]


@admin.register(SavedQuery)
class SavedQueryAdmin(admin.ModelAdmin):
    list_display = ["text", "good", "bad", "created_by", "created_at"]
    search_fields = ["text", "notes"]
    inlines = [JudgmentInline]
    readonly_fields = ["created_by", "created_at", "current_results"]
    fields = ["text", "notes", "created_by", "created_at", "current_results"]

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(
                good_count=Count("judgments", filter=Q(judgments__verdict="good")),
                bad_count=Count("judgments", filter=Q(judgments__verdict="bad")),
            )
        )

    @admin.display(description="Good", ordering="good_count")
    def good(self, saved):
        return saved.good_count

    @admin.display(description="Bad", ordering="bad_count")
    def bad(self, saved):
        return saved.bad_count

    @admin.display(description="Current results")
    def current_results(self, saved):
        """The top results of each mode right now, marked with the judgments."""
        if saved.pk is None:
            return "Shown after the first save."
        verdicts = dict(saved.judgments.values_list("movie_id", "verdict"))
        good = sum(v == Judgment.Verdict.GOOD for v in verdicts.values())
        columns = []
        for mode in MODES:
            try:
                result = movies_search(
                    params=SearchParams(q=saved.text, mode=mode, limit=SHOWN)
                )
            except Exception as exc:  # the page must render whatever happens
                columns.append(format_html("<h4>{}</h4><p>{}</p>", mode, exc))
                continue
            found = sum(verdicts.get(m.pk) == "good" for m in result.movies)
            items = format_html_join(
                "",
                '<li><a href="{}">{}</a> <small>{}</small></li>',
                (
                    (
                        _change_url(m),
                        m,
                        MARKS[verdicts.get(m.pk)],
                    )
                    for m in result.movies
                ),
            )
            columns.append(
                format_html(
                    '<div style="flex:1;min-width:16em"><h4>{}{}</h4>'
                    "<p>{} of {} good movies in the top {}</p><ol>{}</ol></div>",
                    mode,
                    "" if result.mode == mode else f" (fell back to {result.mode})",
                    found,
                    good,
                    SHOWN,
                    items,
                )
            )
        return format_html(
            '<div style="display:flex;gap:1em;flex-wrap:wrap">{}</div>',
            format_html_join("", "{}", ((c,) for c in columns)),
        )
