"""GET /api/suggest: titles, people, genres and studios as a visitor types, prefix
first, misspellings tolerated, the most prominent first; bad input is a 400."""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # short texts are cached; each test has its own catalogue
    yield
    cache.clear()


@pytest.fixture
def catalogue(make_movie):
    nolan = ["Christopher Nolan"]
    make_movie("Inception", 2010, ["Science Fiction"], nolan, vote_count=30)
    make_movie("Interstellar", 2014, ["Science Fiction"], nolan, vote_count=40)
    make_movie("The Dark Knight", 2008, ["Action"], nolan, ["Christian Bale"])
    make_movie("Mother Night", 1996, ["Drama"], ["Keith Gordon"], ["Nick Nolte"])
    make_movie("Star Trek", 2009, ["Science Fiction"], vote_count=5)
    make_movie("Star Wars", 1977, ["Science Fiction"], vote_count=50)
    make_movie("The Godfather", 1972, ["Crime", "Drama"], ["Francis Ford Coppola"])


def suggest(client, **params):
    response = client.get("/api/suggest", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_prefix_offers_the_director_first_with_role_films_and_search(
    client, catalogue
):
    body = suggest(client, q="nol")
    assert body["query"] == "nol"
    nolan, nolte = body["people"]
    assert nolan == {
        "id": nolan["id"],
        "name": "Christopher Nolan",
        "role": "director",
        "films": 3,
        "url": "/?q=movie+directed+by+Christopher+Nolan",
    }
    assert (nolte["name"], nolte["role"]) == ("Nick Nolte", "actor")
    assert nolte["url"] == "/?q=movies+starring+Nick+Nolte"


def test_a_title_typed_as_one_word_is_offered_first(client, catalogue, make_movie):
    make_movie("X-Men", 2000, ["Action"])
    make_movie("WALL·E", 2008, ["Animation"])
    make_movie("Walled In", 2009, ["Horror"])
    assert [t["title"] for t in suggest(client, q="xmen")["titles"]] == ["X-Men"]
    walle = suggest(client, q="walle")["titles"]
    assert [(t["title"], t["year"]) for t in walle] == [
        ("WALL·E", 2008),
        ("Walled In", 2009),
    ]
    assert walle[0]["url"].startswith("/movies/")


def test_titles_match_at_a_word_start_most_popular_first(client, catalogue):
    body = suggest(client, q="STAR ")
    assert [(t["title"], t["year"]) for t in body["titles"]] == [
        ("Star Wars", 1977),
        ("Star Trek", 2009),
    ]
    assert body["titles"][0]["url"].startswith("/movies/")
    assert [t["title"] for t in suggest(client, q="dark")["titles"]] == [
        "The Dark Knight"
    ]
    assert suggest(client, q="ark")["titles"] == []  # inside a word: no


@pytest.mark.parametrize(
    ("typed", "kind", "expected"),
    [
        ("cristopher nolan", "people", "Christopher Nolan"),
        ("godfahter", "titles", "The Godfather"),
        ("the godfahter", "titles", "The Godfather"),
        ("interstelar", "titles", "Interstellar"),
    ],
)
def test_misspellings_are_tolerated(client, catalogue, typed, kind, expected):
    names = [x.get("name") or x.get("title") for x in suggest(client, q=typed)[kind]]
    assert names[:1] == [expected]


def test_prefix_matches_come_before_near_misses(client, catalogue, make_movie):
    make_movie("Interstate 60", 2002, vote_count=0)
    titles = [t["title"] for t in suggest(client, q="interst")["titles"]]
    assert titles[:2] == ["Interstellar", "Interstate 60"]


def test_genres_largest_first_with_a_search(client, catalogue):
    body = suggest(client, q="sci")
    assert body["genres"] == [
        {"name": "Science Fiction", "films": 4, "url": "/?q=science+fiction+movies"}
    ]


def test_studios_most_films_first_with_a_search_that_reads_them(client, catalogue):
    """A studio of two films or more, with the search that lists its films: its
    name, which the search reads as the studio even where a word of it is a genre's
    ("Pixar Animation Studios": "animation")."""
    from catalog.models import Company, Movie

    pixar = Company.objects.create(name="Pixar Animation Studios")
    legendary = Company.objects.create(name="Legendary Pictures")
    lone = Company.objects.create(name="Pixie Dust Films")
    for title in ("Inception", "Interstellar", "Star Trek"):
        Movie.objects.get(title=title).companies.add(pixar)
    for title in ("Inception", "The Dark Knight"):
        Movie.objects.get(title=title).companies.add(legendary)
    Movie.objects.get(title="Star Wars").companies.add(lone)
    Movie.objects.get(title="Star Wars").genres.create(name="Animation")
    body = suggest(client, q="pix")
    assert body["studios"] == [
        {
            "name": "Pixar Animation Studios",
            "films": 3,
            "url": "/?q=pixar+animation+studios+movies",
        }
    ]
    assert [s["name"] for s in suggest(client, q="legend")["studios"]] == [
        "Legendary Pictures"
    ]
    found = client.get("/api/search", {"q": "pixar animation studios movies"}).json()
    assert [s["name"] for s in suggest(client, q="pixr animation")["studios"]] == [
        "Pixar Animation Studios"  # a near miss: nothing starts with "pixr"
    ]
    assert found["message"] == (
        "Showing films from Pixar Animation Studios (for “pixar animation studios”)"
    )
    assert {r["title"] for r in found["results"][:3]} == {
        "Inception",
        "Interstellar",
        "Star Trek",
    }


def test_limit_applies_to_each_kind(client, catalogue):
    body = suggest(client, q="s", limit=1)
    assert len(body["titles"]) == 1 and len(body["genres"]) == 1


def test_like_wildcards_are_plain_characters(client, catalogue):
    for typed in ("%", "_", "%%", "\\"):
        body = suggest(client, q=typed)
        assert body["titles"] == body["people"] == body["genres"] == [], typed


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q must have 1 to 100 characters"),
        ({"q": "   "}, "q must have 1 to 100 characters"),
        ({"q": "\x00\x01"}, "q must have 1 to 100 characters"),
        ({"q": "x" * 101}, "q must have 1 to 100 characters"),
        ({"q": "nol", "limit": "0"}, "limit must be between 1 and 20"),
        ({"q": "nol", "limit": "21"}, "limit must be between 1 and 20"),
        ({"q": "nol", "limit": "many"}, "limit must be a whole number"),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, catalogue, params, message):
    response = client.get("/api/suggest", params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_hundred_characters_are_fine(client, catalogue):
    assert suggest(client, q="Q" * 100)["query"] == "Q" * 100


@given(
    q=st.text(max_size=120) | st.sampled_from(["%", "_%", "\\", "'; --", "Nol"]),
    limit=st.none() | st.text(max_size=4) | st.integers(-5, 30).map(str),
)
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_generated_input_is_a_200_or_a_400(client, catalogue, q, limit):
    params = {"q": q} if limit is None else {"q": q, "limit": limit}
    response = client.get("/api/suggest", params)
    assert response.status_code in (200, 400), (q, limit, response.content)
    body = response.json()
    assert ("error" in body) == (response.status_code == 400)
