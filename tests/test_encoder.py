"""Query encoding calls the real packaged model's preprocess and forward itself:
the vectors are those its encode() gives, with or without a query prompt."""

import numpy as np
import pytest

from moviesearch.embeddings import encoder

TEXTS = [
    "war movie with great story",
    "?",
    "Amélie à Paris, 2001",
    "a lawyer who cannot lie " * 100,  # past the model's 256 tokens: truncated alike
]


@pytest.mark.parametrize("prompt", ["", "query: "])
def test_a_query_vector_is_the_models_own(_real_model, monkeypatch, settings, prompt):
    model = _real_model.model
    settings.EMBEDDING_QUERY_PROMPT = prompt
    monkeypatch.setattr(encoder, "get_model", lambda: model)
    for text in TEXTS:
        got = encoder.encode_query(text)
        want = model.encode([text], prompt=prompt or None, normalize_embeddings=True)
        assert got.dtype == np.float32 and got.shape == want[0].shape
        assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
        assert float(got @ want[0]) > 0.99999, text[:40]
    assert float(encoder.encode_query("war film") @ encoder.encode_query("?")) < 0.9


def test_a_search_encodes_its_query_beside_the_database(_real_model, monkeypatch):
    """Search starts the query's encoding in a thread of its own, on one torch
    thread, and asks the database meanwhile: the vector is encode_query's, cached;
    the request's thread keeps its torch threads; what encoding raised is raised
    where the vector is wanted."""
    import threading

    import torch

    from moviesearch.search import vectors

    model = _real_model.model
    monkeypatch.setattr(encoder, "get_model", lambda: model)
    own = encoder.encode_query
    calls = []

    def spy(text):
        calls.append((text, threading.current_thread().name, torch.get_num_threads()))
        return own(text)

    monkeypatch.setattr(encoder, "encode_query", spy)
    threads = torch.get_num_threads()
    pending = vectors.query_vector_soon("That film where  a lawyer cannot lie")
    vector = pending.result()
    [(text, thread, used)] = calls
    assert text == "a lawyer cannot lie"
    assert thread.startswith("query-vector") and used == 1
    assert torch.get_num_threads() == threads
    assert float(vector @ own("a lawyer cannot lie")) > 0.99999
    again = vectors.query_vector("that film where a lawyer cannot LIE")
    assert len(calls) == 1 and np.array_equal(again, vector)  # from the cache

    def broken(text):
        raise RuntimeError("the model is gone")

    monkeypatch.setattr(encoder, "encode_query", broken)
    pending = vectors.query_vector_soon("a pilot who cannot land")
    with pytest.raises(RuntimeError, match="the model is gone"):
        pending.result()
