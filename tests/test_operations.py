"""Rate limiting, health checks and a database outage, as operators see them."""

import pytest
from django.db import OperationalError

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_search_rate_limit_answers_429_with_retry_after(
    client, settings, demo_catalogue, monkeypatch
):
    import types

    from moviesearch.search import ratelimit

    # One fixed window for every request (mid-minute): a run that straddled a
    # minute's end started a new window and let a fourth search through.
    clock = types.SimpleNamespace(time=lambda: 1_800_000_030.0)
    monkeypatch.setattr(ratelimit, "time", clock)
    settings.SEARCH_RATE_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    codes = [
        client.get("/api/search", {"q": f"heist {i}", "mode": "keyword"}).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.get("/api/search", {"q": "more", "mode": "keyword"})
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "too many searches" in limited.json()["error"]
    assert client.get("/", {"q": "page", "mode": "keyword"}).status_code == 429
    # Listing popular films does not touch the model and is not limited.
    assert client.get("/api/search").status_code == 200
    cache.clear()


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body) == {"status", "database", "broker", "model"}


def test_database_outage_is_a_clean_503(client, monkeypatch):
    from moviesearch.search import api, views

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(api, "movies_search", down)
    response = client.get("/api/search", {"q": "x"})
    assert response.status_code == 503 and "unavailable" in response.json()["error"]
    assert response["Retry-After"] == "5"
    monkeypatch.setattr(views, "movies_search", down)
    page = client.get("/", {"q": "x"})
    assert page.status_code == 503 and b"Back in a moment" in page.content
