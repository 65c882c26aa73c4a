"""Celery interfaces to the recommendation services (queue: CELERY_TASK_ROUTES)."""

import logging

from celery import shared_task

from moviesearch.recommendations import services

log = logging.getLogger(__name__)


@shared_task(name="moviesearch.recommendations.colikes_rebuild", acks_late=True)
def colikes_rebuild() -> int:
    """Rebuild co-likes from all interactions (scheduled; idempotent)."""
    pairs = services.colikes_rebuild()
    log.info("colikes_rebuild pairs=%d", pairs)
    return pairs


@shared_task(name="moviesearch.recommendations.anonymous_expire", acks_late=True)
def anonymous_expire() -> int:
    """Delete the interactions of expired anonymous sessions."""
    deleted = services.anonymous_expire()
    log.info("anonymous_expire deleted=%d", deleted)
    return deleted
