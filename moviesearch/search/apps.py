from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "moviesearch.search"
    label = "moviesearch_search"
