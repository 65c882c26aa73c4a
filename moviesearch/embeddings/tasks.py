"""Celery interfaces to the embedding services: ids in, idempotent, retried."""

import logging
import time

from celery import shared_task
from celery.signals import worker_process_init

from moviesearch.conf import settings
from moviesearch.embeddings import services

log = logging.getLogger(__name__)


@shared_task(
    name="moviesearch.embeddings.embed_movies",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def embed_movies(movie_ids: list[int], force: bool = False) -> dict:
    """Embed these movies if their stored vectors are not current."""
    started = time.perf_counter()
    report = services.movies_embed(movie_ids=movie_ids, force=force)
    log.info(
        "embed_movies ids=%s embedded=%d unchanged=%d missing=%d seconds=%.3f",
        movie_ids[:20],
        report.embedded,
        report.unchanged,
        report.missing,
        time.perf_counter() - started,
    )
    return report.__dict__


@shared_task(name="moviesearch.embeddings.embed_stale", acks_late=True)
def embed_stale(batch_size: int = 64) -> int:
    """Sweep: enqueue every movie whose vector is missing or stale; once none is,
    rebuild the related words if they are due (missing, another model's, or the
    catalogue has grown: moviesearch.embeddings.related)."""
    from moviesearch.catalogue import movie_model
    from moviesearch.embeddings.related import related_words_due

    ids = list(
        movie_model().objects.embedding_not_current().values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        embed_movies.delay(ids[start : start + batch_size])
    if not ids and related_words_due():
        related_words.delay()
    return len(ids)


@shared_task(name="moviesearch.embeddings.related_words", acks_late=True)
def related_words() -> int:
    """Rebuild the related words (moviesearch.embeddings.related); returns how
    many words were related."""
    from moviesearch.embeddings.related import related_words_due, related_words_refresh

    if not related_words_due():  # two sweeps may have asked
        return 0
    return related_words_refresh().words


# After a failed publish, enqueues to that broker are skipped for this long (the
# movies stay stale; the sweep embeds them), so an edit touching many movies during
# an outage does not wait half a second per movie and time out.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until: dict[str, float] = {}


def movie_enqueue_embedding(*, movie_id: int) -> bool:
    """Enqueue one movie; a broker outage is logged, never raised into the request."""
    broker = str(embed_movies.app.conf.broker_url)
    if time.monotonic() < _broker_down_until.get(broker, 0.0):
        log.warning("broker unavailable: movie %s stays stale until swept", movie_id)
        return False
    try:
        embed_movies.apply_async(
            args=[[movie_id]],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
        return True
    except Exception as exc:  # broker down: the movie stays stale, swept later
        _broker_down_until[broker] = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("could not enqueue movie %s for embedding: %s", movie_id, exc)
        return False


@worker_process_init.connect
def warm_model(**kwargs):
    """Load the model when a worker process starts, not on its first task."""
    if settings.EMBEDDING_WARM_ON_START:
        from moviesearch.embeddings import encoder

        try:
            encoder.get_model()
        except Exception as exc:  # tasks will report and retry
            log.error("embedding model failed to load: %s", exc)
