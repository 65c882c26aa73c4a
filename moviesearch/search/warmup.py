"""Load the model and encode one query at process start, so the first visitor's
search costs what every later one does."""

import logging

log = logging.getLogger(__name__)


def warm_up() -> None:
    from moviesearch.embeddings import encoder

    try:
        encoder.encode_query("warm up")
    except Exception as exc:  # the site still answers in keyword mode
        log.error("embedding model failed to load at start: %s", exc)
