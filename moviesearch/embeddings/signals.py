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
    from moviesearch.embeddings.encoder import model_identity
    from moviesearch.embeddings.services import is_current, movie_refresh_documents
    from moviesearch.embeddings.tasks import movie_enqueue_embedding

    if getattr(_state, "suppressed", False):
        return
    docs = movie_refresh_documents(movie_ids=list(movie_ids))
    identity = model_identity()
    for movie, doc in docs.values():
        if not is_current(movie, doc, identity):
            transaction.on_commit(partial(movie_enqueue_embedding, movie_id=movie.pk))


def _movie_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _touch([instance.pk])


def _m2m_changed(movie_model, sender, instance, action, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, movie_model):
        _touch([instance.pk])
    elif pk_set:
        _touch(pk_set)
    # A reverse clear (genre.movies.clear()) gives no ids: post_clear comes too late
    # to know them, so such edits are picked up by the periodic sweep.


def _child_changed(movie_model, attname, sender, instance, **kwargs):
    movie_id = getattr(instance, attname)
    # A cascade from a deleted movie: nothing left to refresh.
    if (
        movie_id is not None
        and movie_model._default_manager.filter(pk=movie_id).exists()
    ):
        _touch([movie_id])


def _named_changed(movie_model, path, sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    ids = list(
        movie_model._default_manager.filter(**{path: instance})
        .values_list("pk", flat=True)
        .distinct()[:10000]
    )
    if ids:
        _touch(ids)


def connect(spec) -> None:
    """Connect the receivers the declaration's `watch` paths call for: the movie's
    own saves; a many-to-many of the movie (m2m_changed on its through model); a
    reverse foreign key (the child's saves and deletes); and, at the end of every
    path, the related row's saves (a renamed genre or person)."""
    movie = spec.get_model()
    uid = "moviesearch.embeddings"
    post_save.connect(_movie_saved, sender=movie, dispatch_uid=f"{uid}:movie")
    for path in spec.watch:
        first = movie._meta.get_field(path.split("__")[0])
        if first.many_to_many:
            through = (
                first.through if first.auto_created else first.remote_field.through
            )
            m2m_changed.connect(
                partial(_m2m_changed, movie),
                sender=through,
                weak=False,
                dispatch_uid=f"{uid}:m2m:{path}",
            )
        elif first.one_to_many and "__" not in path:
            handler = partial(_child_changed, movie, first.field.attname)
            for signal in (post_save, post_delete):
                signal.connect(
                    handler,
                    sender=first.related_model,
                    weak=False,
                    dispatch_uid=f"{uid}:{signal is post_save}:{path}",
                )
        target = movie
        for part in path.split("__"):
            target = target._meta.get_field(part).related_model
        if first.many_to_many or "__" in path:
            post_save.connect(
                partial(_named_changed, movie, path),
                sender=target,
                weak=False,
                dispatch_uid=f"{uid}:named:{path}",
            )
