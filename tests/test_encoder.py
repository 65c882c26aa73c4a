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
