import logging

from django.apps import AppConfig
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models.signals import post_migrate

log = logging.getLogger(__name__)


class EmbeddingsConfig(AppConfig):
    name = "moviesearch.embeddings"
    label = "moviesearch_embeddings"

    def ready(self):
        from moviesearch import checks  # noqa: F401  (registers the system check)
        from moviesearch.catalogue import catalogue
        from moviesearch.embeddings import signals

        post_migrate.connect(_vectors_inline, sender=self)
        try:
            signals.connect(catalogue())
        except (ImproperlyConfigured, FieldDoesNotExist, ImportError) as exc:
            # `manage.py check` names what is wrong (moviesearch.checks).
            log.error("moviesearch: documents will not follow edits: %s", exc)


def _vectors_inline(sender, using="default", **kwargs):
    """After `migrate`: the embedding column keeps vectors in their rows
    (moviesearch.embeddings.schema.keep_vectors_inline)."""
    from moviesearch.embeddings.schema import keep_vectors_inline

    try:
        changed = keep_vectors_inline(using)
    except (ImproperlyConfigured, FieldDoesNotExist, LookupError) as exc:
        log.error("moviesearch: embedding column storage left as it is: %s", exc)
        return
    if changed:
        log.info("moviesearch: the embedding column now keeps vectors in their rows")
