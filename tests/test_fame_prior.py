"""A short query that names no list ("batman movies", "rocky movies"): among the
films it fits alike, the better known first; the words still decide ("rocky 2").
A query asking only for the best ("best movies"): the best known."""

import pytest
from django.test import Client

from catalog.models import Movie
from moviesearch.embeddings.services import movie_refresh_documents

pytestmark = pytest.mark.django_db


def titles(q, mode="hybrid"):
    response = Client().get("/api/search", {"q": q, "mode": mode, "limit": 5})
    assert response.status_code == 200, response.content
    return [r["title"] for r in response.json()["results"]]


@pytest.fixture
def franchise(make_movie, fake_encoder):
    # The same story for each, so the words fit them alike (fake vectors: the
    # mechanics of the prior, not the model's ranking; bench/visitor_shortcuts'
    # `franchise` family measures that).
    for title, votes in (
        ("Batman Rises", 40),
        ("Batman Begins", 9000),
        ("Batman Beyond", 300),
        ("Rocky", 9000),
        ("Rocky II", 3000),
    ):
        make_movie(title, vote_count=votes, overview="A hero fights in the city.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))


def test_a_short_query_lists_the_better_known_first(franchise):
    assert titles("batman movies")[:3] == [
        "Batman Begins",
        "Batman Beyond",
        "Batman Rises",
    ]


def test_the_words_still_come_first(franchise):
    assert titles("rocky 2")[0] == "Rocky II"  # not the better known Rocky


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
@pytest.mark.parametrize(
    "q", ["best movies", "top rated films", "greatest movies of all time"]
)
def test_a_query_asking_only_for_the_best_lists_the_best_known(franchise, mode, q):
    wanted = list(
        Movie.objects.order_by("-fame", "pk").values_list("title", flat=True)[:5]
    )
    assert titles(q, mode) == wanted


def test_a_title_of_such_words_is_still_that_title(franchise, make_movie):
    popular = make_movie("Popular", vote_count=1, overview="A school.")
    movie_refresh_documents(movie_ids=[popular.pk])
    assert titles("popular")[0] == "Popular"
    assert titles("best movies about a school")[0] == "Popular"  # words to match


def test_a_well_known_titles_words_are_no_two_names(make_movie, fake_encoder):
    # "star wars movies": not the War genre and the keyword "star" (which explain
    # every word), but the films titled so, the better known first.
    from catalog.models import Keyword

    star = Keyword.objects.create(name="star")
    war = make_movie("Trenches", vote_count=500, genres=["War"], overview="Mud.")
    war.keywords.set([star])
    make_movie("Star Wars", vote_count=9000, genres=["Adventure"], overview="Space.")
    make_movie("Star Wars: Clone Tales", vote_count=20, overview="Space clones.")
    make_movie("Dunkirk Beach", vote_count=800, genres=["War"], overview="Sand.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    found = titles("star wars movies")
    assert found[0] == "Star Wars" and "Star Wars: Clone Tales" in found[:3], found
    assert titles("war movies")[:2] == ["Dunkirk Beach", "Trenches"]  # the genre
