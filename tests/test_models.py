import pytest
from django.db import IntegrityError

from catalog.models import Credit, Movie, Person

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_str_and_url(make_movie):
    movie = make_movie("Alien", 1979)
    assert str(movie) == "Alien (1979)"
    assert movie.get_absolute_url() == f"/movies/{movie.pk}/"
    assert str(Movie.objects.create(title="Undated", year=None)) == "Undated"


@pytest.mark.parametrize("field,value", [("tmdb_id", 42), ("imdb_id", "tt0078748")])
def test_external_ids_unique_when_present(field, value):
    Movie.objects.create(title="A", **{field: value})
    with pytest.raises(IntegrityError):
        Movie.objects.create(title="B", **{field: value})


def test_external_ids_may_be_missing_on_many_movies():
    Movie.objects.create(title="A")
    Movie.objects.create(title="B")
    assert Movie.objects.filter(tmdb_id__isnull=True, imdb_id__isnull=True).count() == 2


@pytest.mark.parametrize(
    "fields",
    [{"title": ""}, {"title": "X", "year": 1200}, {"title": "X", "vote_average": 11}],
)
def test_check_constraints(fields):
    with pytest.raises(IntegrityError):
        Movie.objects.create(**fields)


def test_credit_role_unique_and_ordered(make_movie):
    movie = make_movie(
        "Heat", 1995, directors=["Michael Mann"], cast=["Al Pacino", "Robert De Niro"]
    )
    assert movie.directors() == ["Michael Mann"]
    assert movie.cast() == ["Al Pacino", "Robert De Niro"]
    with pytest.raises(IntegrityError):
        Credit.objects.create(
            movie=movie, person=Person.objects.get(name="Al Pacino"), role="cast"
        )


def test_same_person_can_direct_and_act(make_movie):
    movie = make_movie(
        "Unforgiven", 1992, directors=["Clint Eastwood"], cast=["Clint Eastwood"]
    )
    assert movie.directors() == movie.cast() == ["Clint Eastwood"]
