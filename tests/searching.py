"""The search API as the tests call it."""

from django.test import Client


def api_search(q, mode="hybrid", limit=10):
    response = Client().get("/api/search", {"q": q, "mode": mode, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()
