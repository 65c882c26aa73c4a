"""Evaluation and training read the host through its declaration and the plugin's
facts: a declaration without a year, summary, votes or TMDB id still works, or says
clearly what it lacks."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.moviesearch import MovieCatalogue
from moviesearch.catalogue import catalogue, read
from moviesearch.embeddings.models import Name
from moviesearch.quality.queries import generate_queries
from moviesearch.quality.training import document_texts
from moviesearch.recommendations.evaluation import first_genres, most_rated

pytestmark = pytest.mark.django_db
STORY = " ".join(["word"] * 22)  # long enough for the overview family


class Bare(MovieCatalogue):
    """The demo's model, declared with no year, summary, votes or TMDB id."""

    year = summary = votes = tmdb_id = ""


class PopularityOnly(MovieCatalogue):
    votes = ""
    popularity = "popularity"  # TMDB's (the demo declares fame: votes first)


class Unranked(MovieCatalogue):
    votes = popularity = ""


@pytest.fixture
def declared(settings):
    def use(cls):
        settings.MOVIESEARCH_CATALOGUE = f"{__name__}.{cls.__name__}"
        catalogue.cache_clear()

    yield use
    catalogue.cache_clear()


def test_queries_come_from_the_declaration_and_the_facts(make_movie, declared):
    cast = ["Ann Lead", "Bo Second", "Cy Third", "Di Fourth"]
    films = [
        make_movie(
            f"Noir {i}",
            1950 + i,
            genres=["Crime", "Drama"],
            directors=["Vera Vane"],
            cast=cast,
            overview=f"Story {i} {STORY}",
        )
        for i in range(3)
    ]
    ids = tuple(sorted(m.pk for m in films))
    queries = {(q.family, q.query): q.relevant for q in generate_queries(seed=3)}
    assert queries[("director", "movie directed by Vera Vane")] == ids
    assert queries[("cast", "movies starring Cy Third")] == ids
    assert ("cast", "movies starring Di Fourth") not in queries  # billed 4th
    assert ("decade_genre", "crime movies from the 1950s") in queries
    assert {f for f, _ in queries} >= {"overview", "title"}
    declared(Bare)  # no year: no decades; no summary: no pasted overviews
    families = {q.family for q in generate_queries(seed=3)}
    assert "decade_genre" not in families and "overview" not in families
    assert "title" in families and "director" in families
    assert document_texts("reference")[films[0].pk] == "Noir 0."


def test_first_genre_is_the_first_the_declaration_lists(make_movie):
    movie = make_movie("Ran", 1985, genres=["War", "Drama"])
    (genre,) = first_genres([movie.pk]).values()
    listed, _ = read(movie, catalogue().facts["genre"])
    assert Name.objects.get(pk=genre).name == listed[0]


def test_most_rated_falls_back_to_popularity_then_pk(make_movie, declared):
    a = make_movie("A", vote_count=5, popularity=1.0)
    b = make_movie("B", vote_count=1, popularity=9.0)
    c = make_movie("C", vote_count=9, popularity=5.0)
    assert most_rated() == [c.pk, a.pk, b.pk]
    declared(PopularityOnly)
    assert most_rated() == [b.pk, c.pk, a.pk]
    declared(Unranked)
    assert most_rated() == sorted([a.pk, b.pk, c.pk])


def test_movielens_needs_a_declared_tmdb_id(tmp_path, declared):
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n")
    (tmp_path / "links.csv").write_text("movieId,tmdbId\n")
    declared(Bare)
    with pytest.raises(CommandError, match="declaration has no tmdb_id"):
        call_command(
            "import_interactions",
            tmp_path / "ratings.csv",
            tmp_path / "links.csv",
            "--no-progress",
        )
    with pytest.raises(CommandError, match="declaration has no tmdb_id"):
        call_command("evaluate_recommendations", tmp_path)
