"""The search API as the tests call it, and the films they search."""

from django.test import Client


def api_search(q, mode="hybrid", limit=10):
    response = Client().get("/api/search", {"q": q, "mode": mode, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()


def films_by_title(make_movie, rows) -> dict:
    """{title: movie} for (title, vote count, overview) rows."""
    return {
        title: make_movie(title, vote_count=votes, overview=story)
        for title, votes, story in rows
    }
