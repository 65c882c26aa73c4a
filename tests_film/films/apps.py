from django.apps import AppConfig


class FilmsConfig(AppConfig):
    name = "tests_film.films"
    label = "films"
    default_auto_field = "django.db.models.BigAutoField"
