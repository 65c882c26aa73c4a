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


def test_a_page_reads_its_names_by_role_in_one_query(demo_catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moviesearch.embeddings.models import Fact

    ids = list(Movie.objects.order_by("title").values_list("pk", flat=True)[:10])
    with CaptureQueriesContext(connection) as queries:
        page = Movie.objects.filter(pk__in=ids).with_facts().in_bulk()
        roles = {pk: movie.roles for pk, movie in page.items()}
    assert len(queries) == 2  # the movies, then their names by role
    for pk, movie in page.items():
        expected = {}
        for role, name in (
            Fact.objects.filter(movie_id=pk)
            .order_by("role", "position")
            .values_list("role", "name__name")
        ):
            expected.setdefault(role, []).append(name)
        assert roles[pk] == expected and expected["genre"]
        assert roles[pk].get("director", []) == movie.directors()
    single = Movie.objects.get(pk=ids[0])  # without with_facts: read for it alone
    assert single.roles == roles[ids[0]]
    assert Movie.objects.with_facts().filter(pk=ids[0]).first().roles == single.roles
