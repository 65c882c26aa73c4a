"""Search on the film host, as a visitor uses it: the JSON API, the search page, the
movie page and suggestions, over HTTP, with the real packaged model ranking
invented films (tests_film/conftest.py FILMS)."""

import pytest

pytestmark = pytest.mark.django_db

API = "/films/api/search"


def search(client, **params):
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return response.json()


def titles(body):
    return [r["title"] for r in body["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("astronaut alone in space running out of air", "Orbit of Silence"),
        ("wooden puppets rebel against their master", "Dance of the Marionettes"),
        ("a chef who can no longer taste food opens a noodle bar", (
            "Kitchen of Second Chances")),
        ("gunfighter protects farmers from the railroad", "Thunder over Calvera"),
        ("thieves repeat the same casino robbery in a time loop", "Vault Loop"),
    ],
)  # fmt: skip
def test_a_plot_description_finds_the_film(client, films, query, expected):
    assert titles(search(client, q=query))[0] == expected


def test_a_directors_surname_finds_their_films(client, films):
    found = titles(search(client, q="Okonkwo"))
    assert set(found[:2]) == {"Heart of the Lighthouse", "Song for a Drowned Village"}
    assert titles(search(client, q="Quintanilla"))[0] == "Thunder over Calvera"


def test_a_misspelled_full_name_finds_the_director(client, films):
    body = search(client, q="Rafael Quintanila")
    assert titles(body)[0] == "Thunder over Calvera"
    body = search(client, q="films by Haruto Sekiguchy")
    assert set(titles(body)[:2]) == {"Glass Orchard", "Orbit of Silence"}
    assert body["message"] == (
        "Showing films by Haruto Sekiguchi (you typed “haruto sekiguchy”)"
    )
    assert body["understood"][0]["person"]["name"] == "Haruto Sekiguchi"


THRILLERS = {"Midnight at the Tannery", "Orbit of Silence", "Ledger of Bones"}
EIGHTIES = {
    "The Salt Cartographer",
    "The Wolves of Karelia",
    "Summer of the Kite Runners",
}


def test_the_tag_filter_keeps_films_with_that_tag(client, films):
    body = search(client, q="a witness hunted by hitmen", genre="thriller")
    assert titles(body)[0] == "Ledger of Bones"
    assert set(titles(body)) <= THRILLERS
    assert all("thriller" in r["genres"] for r in body["results"])
    # Browsing a tag (no query), and a tag's label in another case.
    assert set(titles(search(client, genre="Thriller"))) == THRILLERS
    # No word of the query in any thriller, but the catalogue knows them: the
    # thrillers nearest in meaning, not an empty page.
    body = search(client, q="a witness hunted by killers", genre="thriller")
    assert titles(body)[0] == "Ledger of Bones"
    assert set(titles(body)) <= THRILLERS
    # Two tags: films with both.
    body = search(client, q="casino thieves", genre=["science fiction", "crime"])
    assert titles(body) == ["Vault Loop"]


def test_the_year_filter_reads_the_release_date(client, films):
    body = search(client, q="friends", year_min=1980, year_max=1989)
    assert titles(body)[0] == "Summer of the Kite Runners"
    assert set(titles(body)) <= EIGHTIES
    assert all(1980 <= r["year"] <= 1989 for r in body["results"])
    assert set(titles(search(client, year_min=1980, year_max=1989))) == EIGHTIES
    older = search(client, q="gunslinger", year_max=1965)
    assert titles(older) == ["Thunder over Calvera"]
    response = client.get(API, {"q": "war", "year_min": 1990, "year_max": 1980})
    assert response.status_code == 400


def test_a_language_filter_is_refused_with_a_message(client, films):
    response = client.get(API, {"q": "space", "language": "en"})
    assert response.status_code == 400
    assert response.json() == {"error": "this catalogue has no languages to filter by"}


def test_an_unknown_tag_is_refused_with_a_message(client, films):
    response = client.get(API, {"q": "space", "genre": "opera"})
    assert response.status_code == 400
    assert response.json() == {"error": "unknown genre 'opera'"}


def test_a_result_shows_the_film_in_its_own_shape(client, films):
    orbit = films["Orbit of Silence"]
    result = search(client, q="astronaut oxygen space station")["results"][0]
    assert result["id"] == orbit.pk
    assert result["title"] == "Orbit of Silence"
    assert result["year"] == 2016
    assert result["genres"] == [t.label for t in orbit.tags.all()]
    assert sorted(result["genres"]) == ["science fiction", "thriller"]
    assert result["directors"] == ["Haruto Sekiguchi"]
    assert result["url"] == f"/films/movies/{orbit.pk}/"
    assert isinstance(result["score"], float) and result["score"] > 0
    assert "tmdb_id" not in result  # not declared by this host
    # The film's own page in the API.
    detail = client.get(f"/films/api/movies/{orbit.pk}").json()
    assert detail["title"] == "Orbit of Silence" and detail["year"] == 2016
    assert detail["directors"] == ["Haruto Sekiguchi"]


def test_the_search_page_shows_films(client, films):
    response = client.get("/films/", {"q": "lighthouse keeper in love"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Heart of the Lighthouse" in page
    assert "Marguerite Okonkwo" in page
    assert f'href="/films/movies/{films["Heart of the Lighthouse"].pk}/"' in page
    # The filters a film host has: its tags and years, no languages.
    filtered = client.get("/films/", {"q": "war", "genre": "war", "year_min": 1980})
    assert filtered.status_code == 200
    assert "The Wolves of Karelia" in filtered.content.decode()
    refused = client.get("/films/", {"q": "war", "language": "fi"})
    assert refused.status_code == 400
    assert "this catalogue has no languages to filter by" in refused.content.decode()


def test_the_search_page_without_a_query(client, films):
    assert client.get("/films/").status_code == 200


def test_the_movie_page_shows_the_film(client, films):
    orbit = films["Orbit of Silence"]
    response = client.get(f"/films/movies/{orbit.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Orbit of Silence" in page and "2016" in page
    assert "Haruto Sekiguchi" in page and "science fiction" in page
    assert "Similar movies" in page and "Glass Orchard" in page
    assert client.get("/films/movies/999999/").status_code == 404


def test_suggestions_offer_a_film_and_a_director(client, films):
    body = client.get("/films/api/suggest", {"q": "orbi"}).json()
    assert [t["title"] for t in body["titles"]] == ["Orbit of Silence"]
    assert body["titles"][0]["year"] == 2016
    body = client.get("/films/api/suggest", {"q": "sekig"}).json()
    assert [(p["name"], p["role"], p["films"]) for p in body["people"]] == [
        ("Haruto Sekiguchi", "director", 2)
    ]
    body = client.get("/films/api/suggest", {"q": "thril"}).json()
    assert [(g["name"], g["films"]) for g in body["genres"]] == [("thriller", 3)]


def test_suggestions_tolerate_a_misspelled_name(client, films):
    response = client.get("/films/api/suggest", {"q": "ligthouse"})
    assert response.status_code == 200
    assert [t["title"] for t in response.json()["titles"]] == [
        "Heart of the Lighthouse"
    ]
    body = client.get("/films/api/suggest", {"q": "okonkow"}).json()
    assert [p["name"] for p in body["people"]] == ["Marguerite Okonkwo"]
