import logging

from django.apps import AppConfig
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

log = logging.getLogger(__name__)


class EmbeddingsConfig(AppConfig):
    name = "moviesearch.embeddings"
    label = "moviesearch_embeddings"

    def ready(self):
        from moviesearch import checks  # noqa: F401  (registers the system check)
        from moviesearch.catalogue import catalogue
        from moviesearch.embeddings import signals

        try:
            signals.connect(catalogue())
        except (ImproperlyConfigured, FieldDoesNotExist, ImportError) as exc:
            # `manage.py check` names what is wrong (moviesearch.checks).
            log.error("moviesearch: documents will not follow edits: %s", exc)
