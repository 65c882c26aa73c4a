"""The JSON API's contract: shapes, bounds and every error path."""

import pytest

from catalog.models import Movie

pytestmark = pytest.mark.django_db

RESULT_KEYS = {"id", "tmdb_id", "title", "year", "genres", "directors", "score", "url"}


@pytest.fixture
def catalogue(demo_catalogue, fake_encoder):
    from django.core.management import call_command

    call_command("reindex", "--no-progress", "--keep-index")


def test_search_shape(client, catalogue):
    body = client.get("/api/search", {"q": "space station", "limit": 3}).json()
    keys = {"query", "mode", "page", "limit", "results", "understood", "corrected"}
    assert set(body) == keys
    # Nothing to correct in "space station".
    assert body["understood"] == [] and body["corrected"] == []
    assert (body["query"], body["mode"], body["page"], body["limit"]) == (
        "space station", "hybrid", 1, 3,
    )  # fmt: skip
    assert len(body["results"]) == 3
    for result in body["results"]:
        assert set(result) == RESULT_KEYS | {"because", "snippet", "match"}
        assert isinstance(result["score"], float) and isinstance(result["genres"], list)
        assert result["url"] == f"/movies/{result['id']}/"


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_modes_and_paging(client, catalogue, mode):
    first = client.get("/api/search", {"q": "love in paris", "mode": mode, "limit": 5})
    second = client.get(
        "/api/search", {"q": "love in paris", "mode": mode, "limit": 5, "page": 2}
    )
    assert first.status_code == second.status_code == 200
    ids1 = [r["id"] for r in first.json()["results"]]
    ids2 = [r["id"] for r in second.json()["results"]]
    assert ids1 and not set(ids1) & set(ids2)


def test_filters(client, catalogue):
    body = client.get(
        "/api/search",
        {"q": "adventure", "genre": ["Animation", "Family"], "year_min": 1990,
         "year_max": 2010, "limit": 10},
    ).json()  # fmt: skip
    assert body["results"]
    for result in body["results"]:
        assert {"Animation", "Family"} <= set(result["genres"])
        assert 1990 <= result["year"] <= 2010
    japanese = client.get("/api/search", {"q": "war", "language": "ja"}).json()
    ids = [r["id"] for r in japanese["results"]]
    assert ids and set(
        Movie.objects.filter(pk__in=ids).values_list("original_language", flat=True)
    ) == {"ja"}


def test_empty_query_lists_popular_films(client, catalogue):
    body = client.get("/api/search", {"limit": 5}).json()
    fame = [Movie.objects.get(pk=r["id"]).fame for r in body["results"]]
    assert len(fame) == 5 and fame == sorted(fame, reverse=True)


def test_limit_default_and_max(client, catalogue):
    assert len(client.get("/api/search", {"q": "film"}).json()["results"]) == 10
    assert client.get("/api/search", {"q": "film", "limit": 100}).status_code == 200


@pytest.mark.parametrize(
    "params,message",
    [
        ({"limit": "0"}, "limit must be between 1 and 100"),
        ({"limit": "101"}, "limit must be between 1 and 100"),
        ({"limit": "ten"}, "limit must be a whole number"),
        ({"page": "-1"}, "page must be between"),
        ({"page": "600", "limit": "100"}, "page * limit"),
        ({"mode": "fuzzy"}, "mode must be one of"),
        ({"q": "x" * 2001}, "q is longer than 2000"),
        ({"genre": "Polka"}, "unknown genre"),
        ({"year_min": "1990", "year_max": "1980"}, "year_min must not be greater"),
        ({"year_min": "199O"}, "year_min must be a whole number"),
        ({"language": "english!"}, "language must be a language code"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client, catalogue, params, message):
    response = client.get("/api/search", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_hostile_text_is_just_text(client, catalogue):
    for q in ["'; DROP TABLE catalog_movie; --", "a & b | !c <-> d", "\x00\x01", "😀🎬",
              "<script>alert(1)</script>", ":*", "()"]:  # fmt: skip
        response = client.get("/api/search", {"q": q})
        assert response.status_code == 200, q
    assert Movie.objects.count() >= 300


def test_movie_detail_and_404(client, catalogue):
    movie = Movie.objects.get(title="Spirited Away")
    body = client.get(f"/api/movies/{movie.pk}").json()
    assert body["title"] == "Spirited Away" and body["directors"] == ["Hayao Miyazaki"]
    assert body["cast"] and body["genres"] and body["overview"]
    missing = client.get("/api/movies/987654321")
    assert missing.status_code == 404 and "error" in missing.json()
    assert client.get("/api/movies/987654321/similar").status_code == 404
    assert client.get("/api/nothing-here").status_code == 404


def test_similar_shape(client, catalogue):
    movie = Movie.objects.get(title="Spirited Away")
    body = client.get(f"/api/movies/{movie.pk}/similar", {"limit": 4}).json()
    assert len(body["results"]) == 4
    for result in body["results"]:
        assert set(result) == RESULT_KEYS | {"because"}
        assert result["id"] != movie.pk
        assert isinstance(result["because"], list) and result["because"][0]
    assert (
        client.get(f"/api/movies/{movie.pk}/similar", {"limit": "x"}).status_code == 400
    )


def test_api_is_read_only(client, catalogue):
    for response in (
        client.post("/api/search", {"q": "x"}),
        client.delete("/api/movies/1"),
        client.put("/api/openapi.json"),
        client.post("/api/suggest", {"q": "x"}),
    ):
        assert response.status_code == 405
        # An API answers in JSON, a refused method too (Django's is an HTML page).
        assert response["Content-Type"] == "application/json"
        assert response["Allow"] == "GET" and response.json()["error"]


def test_a_write_endpoint_refuses_a_get_in_json(client, db):
    # Found by the fuzz test: GET /api/history/clear was Django's HTML 405.
    for path in ("/api/history/clear", "/api/movies/1/interactions"):
        response = client.get(path)
        assert response.status_code == 405, path
        assert response["Content-Type"] == "application/json", path
        assert "POST" in response["Allow"] and response.json()["error"], path


def test_model_failure_degrades_to_keyword(client, catalogue, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from moviesearch.embeddings import encoder

    def broken():
        raise ImproperlyConfigured("Set EMBEDDING_MODEL to a folder that loads")

    monkeypatch.setattr(encoder, "get_model", broken)
    body = client.get("/api/search", {"q": "a brand new query about robots"}).json()
    assert body["mode"] == "keyword" and "notice" in body
    assert "Parasite" in client.get("/", {"q": "Parasite"}).content.decode()


def test_pages_render_and_escape(client, catalogue):
    home = client.get("/")
    assert home.status_code == 200 and "Popular films" in home.content.decode()
    page = client.get("/", {"q": "<b>bold</b>"})
    assert b"<b>bold</b>" not in page.content and b"&lt;b&gt;bold" in page.content
    assert client.get("/", {"limit": "x", "year_min": "abc"}).status_code == 400
    movie = Movie.objects.get(title="Spirited Away")
    detail = client.get(movie.get_absolute_url()).content.decode()
    assert "Similar movies" in detail and "Hayao Miyazaki" in detail
    assert client.get("/movies/987654321/").status_code == 404
