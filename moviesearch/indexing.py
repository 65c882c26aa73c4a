"""What a host's own bulk writers (importers, data migrations) use: per-row signal
handlers paused during a bulk write, documents refreshed once afterwards, and the
planner's statistics brought up to date. Vectors are left to `reindex` (or the
worker's sweep): a refreshed document marks its vector stale."""

from contextlib import contextmanager

from moviesearch.sql import analyze

__all__ = ["analyze", "bulk_write", "index_models", "refresh_documents"]


@contextmanager
def bulk_write():
    """Inside this block saving movies, credits or names enqueues nothing; call
    `refresh_documents` with the written movies' ids afterwards."""
    from moviesearch.embeddings import signals

    with signals.suppressed():
        yield


def refresh_documents(movie_ids: list[int]) -> None:
    """Rebuild these movies' search documents (full-text vector and BM25 postings)
    and mark their vectors stale where the text changed."""
    from moviesearch.embeddings.services import movie_refresh_documents

    movie_refresh_documents(movie_ids=list(movie_ids))


def index_models():
    """The plugin's own tables that a bulk write fills (for `analyze`)."""
    from moviesearch.embeddings.models import Fact, LexicalDocument, Name, Posting

    return [Posting, LexicalDocument, Name, Fact]
