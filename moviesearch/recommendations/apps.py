from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moviesearch.recommendations"
    label = "moviesearch_recommendations"
    verbose_name = "Recommendations"
