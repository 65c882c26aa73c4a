from django.apps import AppConfig


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moviesearch.quality"
    label = "moviesearch_quality"
    verbose_name = "Search quality"
