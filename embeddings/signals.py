"""Keep documents current inside the editing transaction; embed after it commits.

Any change that can alter a movie's document (the movie row, its genres or keywords,
its credits, or a renamed person/genre/keyword) refreshes the stored document hash in
the same transaction, so the edit and "this vector is stale" commit together. The
embedding task is enqueued only after commit; if the broker is down the movie simply
stays stale until a retry, the periodic sweep or `reindex --stale` picks it up."""

import threading
from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from catalog.models import Credit, Genre, Keyword, Movie, Person

_state = threading.local()


@contextmanager
def suppressed():
    """Bulk writers (the importer) refresh documents themselves and leave embedding
    to `reindex`; inside this block the per-row handlers do nothing."""
    previous = getattr(_state, "suppressed", False)
    _state.suppressed = True
    try:
        yield
    finally:
        _state.suppressed = previous


def _touch(movie_ids) -> None:
    from embeddings.encoder import model_identity
    from embeddings.services import is_current, movie_refresh_documents
    from embeddings.tasks import movie_enqueue_embedding

    if getattr(_state, "suppressed", False):
        return
    docs = movie_refresh_documents(movie_ids=list(movie_ids))
    identity = model_identity()
    for movie, doc in docs.values():
        if not is_current(movie, doc, identity):
            transaction.on_commit(partial(movie_enqueue_embedding, movie_id=movie.pk))


@receiver(post_save, sender=Movie)
def movie_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _touch([instance.pk])


@receiver(m2m_changed, sender=Movie.genres.through)
@receiver(m2m_changed, sender=Movie.keywords.through)
def movie_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _touch([instance.pk])
    elif pk_set:
        _touch(pk_set)
    # A reverse clear (genre.movies.clear()) gives no ids: post_clear comes too late
    # to know them, so such edits are picked up by the periodic sweep.


@receiver(post_save, sender=Credit)
@receiver(post_delete, sender=Credit)
def credit_changed(sender, instance, **kwargs):
    if Movie.objects.filter(pk=instance.movie_id).exists():
        _touch([instance.movie_id])


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Genre)
@receiver(post_save, sender=Keyword)
def name_changed(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    ids = list(instance.movies.values_list("pk", flat=True)[:10000])
    if ids:
        _touch(ids)
