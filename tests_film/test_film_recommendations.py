"""Similar films and recommendations on the film host, as visitors use them: the
JSON API, the movie page's buttons, the template tags, co-likes (the real packaged
model gives the invented films their vectors: tests_film/conftest.py FILMS)."""

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from moviesearch.recommendations.models import Interaction
from moviesearch.recommendations.services import colikes_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_write_limit(settings):
    settings.RECOMMENDATIONS_WRITE_RATE_LIMIT = 0


def similar(client, film, **params):
    response = client.get(f"/films/api/movies/{film.pk}/similar", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def like(client, film):
    response = client.post(
        f"/films/api/movies/{film.pk}/interactions",
        {"kind": "liked"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_a_film_by_the_same_director_and_tag_is_most_similar(client, films):
    results = similar(client, films["Orbit of Silence"])
    names = [r["title"] for r in results]
    assert names[0] == "Glass Orchard"
    assert results[0]["because"] == ["Also directed by Haruto Sekiguchi"]
    assert results[0]["directors"] == ["Haruto Sekiguchi"]
    assert "Orbit of Silence" not in names
    unrelated = "Thunder over Calvera"
    assert unrelated not in names or names.index(unrelated) > 0
    # Paging goes on where the first page ended.
    second = similar(client, films["Orbit of Silence"], limit=3, page=2)
    assert [r["title"] for r in second] == names[3:6]
    assert client.get("/films/api/movies/999999/similar").status_code == 404


def test_the_similar_movies_tag_renders(films):
    html = Template("{% load moviesearch %}{% similar_movies film 8 %}").render(
        Context({"film": films["Orbit of Silence"]})
    )
    assert "Similar movies" in html
    assert "Glass Orchard" in html and "Also directed by Haruto Sekiguchi" in html
    assert html.count('class="card"') == 8


def test_liked_films_lead_to_recommendations_never_the_liked_ones(client, films):
    assert client.get("/films/api/recommendations").json()["results"] == []
    liked = [films["Glass Orchard"], films["Orbit of Silence"]]
    for film in liked:
        like(client, film)
    response = client.get("/films/api/recommendations", {"limit": 5})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == 5
    assert not {r["id"] for r in results} & {f.pk for f in liked}
    assert results[0]["because"][0] in (
        "Because you liked Glass Orchard",
        "Because you liked Orbit of Silence",
    )
    history = client.get("/films/api/history").json()["results"]
    assert {h["movie"]["title"] for h in history} == {
        "Glass Orchard",
        "Orbit of Silence",
    }


def test_the_movie_pages_like_button_records_and_goes_back(client, films):
    film = films["Heart of the Lighthouse"]
    page = client.get(f"/films/movies/{film.pk}/")
    assert page.status_code == 200 and "♡ Like" in page.content.decode()
    response = client.post(
        f"/films/movies/{film.pk}/interactions",
        {"kind": "liked", "next": f"/films/movies/{film.pk}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/films/movies/{film.pk}/"
    assert Interaction.objects.filter(movie=film, kind="liked").count() == 1
    assert "♥ Liked" in client.get(f"/films/movies/{film.pk}/").content.decode()
    history = client.get("/films/history/")
    assert history.status_code == 200
    assert "Heart of the Lighthouse" in history.content.decode()


def test_the_movie_pages_like_button_without_a_next_address(client, films):
    film = films["Heart of the Lighthouse"]
    response = client.post(f"/films/movies/{film.pk}/interactions", {"kind": "liked"})
    assert response.status_code == 302
    assert response["Location"] == f"/films/movies/{film.pk}/"


def test_recommended_for_you_on_the_search_page_and_as_a_tag(client, films):
    for name in ("Glass Orchard", "Orbit of Silence"):
        like(client, films[name])
    home = client.get("/films/")
    assert home.status_code == 200
    assert "Recommended for you" in home.content.decode()
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    html = Template("{% load moviesearch %}{% recommended_for_you 10 %}").render(
        Context({"request": request})
    )
    assert "Because you liked" in html
    assert ">Glass Orchard<" not in html and ">Orbit of Silence<" not in html


def test_colikes_say_people_who_liked_this_also_liked(films):
    lighthouse, zombies = (
        films["Heart of the Lighthouse"],
        films["Ninth Floor Quarantine"],
    )
    before = [r["title"] for r in similar(Client(), lighthouse, limit=20)]
    for _ in range(3):  # three visitors, each with a session of their own
        visitor = Client()
        like(visitor, lighthouse)
        like(visitor, zombies)
    assert colikes_rebuild() == 2  # the pair, both ways
    results = similar(Client(), lighthouse, limit=20)
    names = [r["title"] for r in results]
    assert names.index("Ninth Floor Quarantine") < before.index(
        "Ninth Floor Quarantine"
    )
    found = results[names.index("Ninth Floor Quarantine")]
    assert found["because"] == ["Liked by people who liked Heart of the Lighthouse"]
    # And a visitor who likes the lighthouse film is recommended the other one.
    visitor = Client()
    like(visitor, lighthouse)
    picks = visitor.get("/films/api/recommendations").json()["results"]
    assert picks[0]["title"] == "Ninth Floor Quarantine"
