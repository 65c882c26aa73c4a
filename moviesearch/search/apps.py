from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "moviesearch.search"
    label = "moviesearch_search"

    def ready(self):
        from moviesearch.search.devserver import send_without_delay

        send_without_delay()
