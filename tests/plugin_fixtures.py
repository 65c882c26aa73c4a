"""Fixtures of both test sessions (the demo's tests/, the film host's tests_film/):
nothing here imports a host's models."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from moviesearch.embeddings import encoder

ROOT = Path(__file__).resolve().parent.parent


class FakeHashEncoder:
    """A deterministic stand-in for plumbing tests: hashed bag-of-words vectors, so
    texts sharing words are close. Never used where ranking quality is tested."""

    def __init__(self, dimensions=384):
        self.dimensions = dimensions
        self.calls = []

    def get_embedding_dimension(self):
        return self.dimensions

    def encode(self, texts, **kwargs):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self.dimensions] += 1.0
            out[row, 0] += 1e-3  # no zero vectors
            out[row] /= np.linalg.norm(out[row])
        return out


@pytest.fixture
def fake_encoder(monkeypatch):
    fake = FakeHashEncoder()
    monkeypatch.setattr(encoder, "get_model", lambda: fake)
    return fake


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches: a query vector cached under one test's
    encoder (a fake one), rate-limit counters and table sizes never reach the next
    test."""
    from django.core.cache import cache

    from moviesearch.search import people, vectors

    cache.clear()
    people._accented_cache.clear()  # the accented words of people's names
    # The table sizes and filter estimates a process keeps a minute: each test's
    # catalogue is its own.
    vectors._sizes.clear()
    vectors._estimates.clear()


@pytest.fixture(autouse=True)
def _no_real_wikipedia(settings, tmp_path_factory):
    """Tests never read the real Wikipedia leads (evaluation data): a test that wants
    plot queries writes a file of its own and points the setting at it."""
    missing = tmp_path_factory.getbasetemp() / "no-wikipedia.jsonl.gz"
    settings.QUALITY_WIKIPEDIA_PATH = str(missing)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database and the configured broker
    (Redis in CI; the filesystem broker otherwise), with the real packaged model and
    the session's settings (DJANGO_SETTINGS_MODULE is passed on)."""
    from demosite.celery import app

    with django_db_blocker.unblock():
        db_name = connection.settings_dict["NAME"]
    app.control.purge()  # leftovers from an earlier run would race this one
    env = dict(os.environ, DATABASE_NAME=db_name, EMBEDDING_SWEEP_SECONDS="3600")
    (ROOT / ".data").mkdir(exist_ok=True)
    path = ROOT / ".data" / f"test-worker-{os.environ['DJANGO_SETTINGS_MODULE']}.log"
    log = open(path, "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "demosite", "worker", "-Q",
         "embeddings", "-c", "1", "-l", "info", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = path.read_text()
        if "ready." in text and proc.poll() is None:
            break
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{text[-3000:]}")
        time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("celery worker did not start in 90 s")
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for(predicate, timeout=30.0, interval=0.2):
    """Poll until predicate() is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class CachedRealEncoder:
    """The real packaged model, with encodings memoised across tests (same texts,
    same vectors), so ranking tests pay for the demo catalogue once per session."""

    def __init__(self, model):
        self.model = model
        self.memo = {}

    def get_embedding_dimension(self):
        return self.model.get_embedding_dimension()

    def encode(self, texts, **kwargs):
        key = (kwargs.get("prompt"), kwargs.get("normalize_embeddings"))
        todo = [t for t in dict.fromkeys(texts) if (key, t) not in self.memo]
        if todo:
            for text, vector in zip(
                todo, self.model.encode(todo, **kwargs), strict=True
            ):
                self.memo[(key, text)] = vector
        return np.stack([self.memo[(key, t)] for t in texts])


@pytest.fixture(scope="session")
def _real_model():
    return CachedRealEncoder(encoder._load(encoder.model_path(), None, encoder.ONNX))


@pytest.fixture
def real_encoder(monkeypatch, _real_model, settings):
    settings.EMBEDDING_MODEL = ""
    monkeypatch.setattr(encoder, "get_model", lambda: _real_model)
    return _real_model
