"""Ranking with the real packaged model on the demo catalogue, whose answers are
known, plus filters that must still return k rows."""

import pytest

from catalog.models import Movie

pytestmark = pytest.mark.django_db


def titles(movies):
    return [m.title for m in movies]


def directed_by(name):
    films = Movie.objects.filter(credits__person__name=name, credits__role="director")
    return set(films.values_list("title", flat=True))


@pytest.mark.parametrize(
    "director", ["Christopher Nolan", "Hayao Miyazaki", "Stanley Kubrick"]
)
def test_director_query_puts_their_films_first_in_hybrid(embedded_demo, director):
    films = directed_by(director)
    assert len(films) >= 3
    top = titles(
        Movie.objects.search(f"movie directed by {director}", limit=len(films))
    )
    assert set(top) == films


def test_paraphrased_and_lowercase_director_queries(embedded_demo):
    films = directed_by("Christopher Nolan")
    top = titles(Movie.objects.search("films by christopher nolan", limit=len(films)))
    assert set(top) == films


def test_actor_query(embedded_demo):
    films = set(
        Movie.objects.filter(credits__person__name="Tom Hanks").values_list(
            "title", flat=True
        )
    )
    assert films
    top = titles(Movie.objects.search("movies starring Tom Hanks", limit=len(films)))
    assert set(top) == films


def test_genre_query_returns_that_genre(embedded_demo):
    top = Movie.objects.search("war movie with great story", limit=10)
    assert all("War" in [g.name for g in m.genres.all()] for m in top)


def test_semantic_mode_understands_a_description(embedded_demo):
    query = "animated film about a girl in a spirit world"
    top = titles(Movie.objects.search(query, mode="semantic", limit=5))
    assert "Spirited Away" in top


def test_keyword_mode_finds_a_title(embedded_demo):
    assert titles(Movie.objects.search("Parasite", mode="keyword", limit=1)) == [
        "Parasite"
    ]


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_filters_compose_and_still_return_k_rows(embedded_demo, mode):
    # Westerns are ~3% of the demo catalogue: a plain HNSW scan would return too few.
    westerns = Movie.objects.filter(genres__name="Western")
    k = min(5, westerns.count())
    top = westerns.search("a lone gunman rides into town", mode=mode, limit=k)
    if mode == "keyword":  # keyword ranking returns only matching films
        assert 0 < len(top) <= k
    else:
        assert len(top) == k
    assert all("Western" in [g.name for g in m.genres.all()] for m in top)


def test_narrow_filters_scan_exactly_and_broad_ones_walk_the_graph(embedded_demo):
    from moviesearch.search.vectors import exact_scan, hnsw_scan, vector_scan

    def scan(queryset):
        return vector_scan(queryset, 10).func

    assert scan(Movie.objects.all()) is hnsw_scan.__wrapped__
    assert scan(Movie.objects.filter(year__gte=1800)) is hnsw_scan.__wrapped__
    assert scan(Movie.objects.filter(genres__name="Western")) is exact_scan.__wrapped__


def test_an_exact_scan_finds_the_true_nearest_without_the_graph(embedded_demo):
    """Under a narrow filter the vector query orders by an expression no index
    serves: the rows the filter leaves are read by their own indexes (index scans
    stay on), JIT is off, and the result is the true top k by cosine."""
    import numpy as np
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moviesearch.search.ranking import semantic_ranked
    from moviesearch.search.vectors import query_vector, stored_vectors

    westerns = Movie.objects.filter(genres__name="Western")
    vector = query_vector("a lone gunman rides into town")
    with CaptureQueriesContext(connection) as ctx:
        got = semantic_ranked(westerns, vector, 3)
    [sql] = [q["sql"] for q in ctx.captured_queries if "<=>" in q["sql"]]
    assert "+ 0" in sql
    assert any("'jit', 'off'" in q["sql"] for q in ctx.captured_queries)
    stored = stored_vectors(list(westerns.values_list("pk", flat=True)))
    truth = sorted(stored, key=lambda pk: (-float(stored[pk] @ vector), pk))[:3]
    assert got.ids == truth
    want = [float(stored[pk] @ vector) for pk in truth]
    assert np.allclose([got.scores[pk] for pk in truth], want, atol=1e-5)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql.replace("%", "%%"))
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "hnsw" not in plan


def test_ef_search_grows_with_the_catalogue(embedded_demo, monkeypatch, settings):
    """Unless SEARCH_HNSW_EF_SEARCH sets it, an unfiltered graph walk's ef_search
    is sized to the catalogue (0.98 recall took 100 at 12k, 400 at 1M)."""
    from django.db import connection

    from moviesearch.search import vectors

    def ef_in_scan():
        with vectors.vector_scan(Movie.objects.all(), 10), connection.cursor() as c:
            c.execute("SHOW hnsw.ef_search")
            return int(c.fetchone()[0])

    vectors._sizes.clear()
    assert settings.SEARCH_HNSW_EF_SEARCH == 0
    assert ef_in_scan() == 100  # the demo catalogue
    vectors._sizes.clear()
    monkeypatch.setattr(vectors, "_table_rows", lambda model: 1_000_000)
    assert ef_in_scan() == 412
    assert vectors.base_ef_search(100_000) == 197
    settings.SEARCH_HNSW_EF_SEARCH = 150
    assert ef_in_scan() == 150
    vectors._sizes.clear()


def test_a_repeated_filter_is_planned_once(embedded_demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moviesearch.search.vectors import _estimates

    _estimates.clear()
    westerns = Movie.objects.filter(genres__name="Western")
    explains = []
    for query in ("a lone gunman rides into town", "outlaws and a sheriff"):
        with CaptureQueriesContext(connection) as ctx:
            assert westerns.search(query, mode="semantic", limit=3)
        explains.append(sum("EXPLAIN" in q["sql"] for q in ctx.captured_queries))
    assert explains == [1, 0]


def test_graph_walk_under_a_narrow_filter_still_returns_k_rows(
    embedded_demo, monkeypatch
):
    monkeypatch.setattr(
        "moviesearch.search.vectors.EXACT_SCAN_MAX_ROWS", 0
    )  # never exact
    westerns = Movie.objects.filter(genres__name="Western")
    k = min(5, westerns.count())
    top = westerns.search("a lone gunman rides into town", mode="semantic", limit=k)
    assert len(top) == k
    assert all("Western" in [g.name for g in m.genres.all()] for m in top)


def test_similar_excludes_itself_and_explains(embedded_demo):
    from moviesearch.search.because import because

    movie = Movie.objects.get(title="The Dark Knight")
    similar = movie.similar(limit=10)
    assert len(similar) == 10 and movie not in similar
    reasons = [because(movie, m) for m in similar]
    assert any(r.startswith("Also directed by Christopher Nolan") for r in reasons)


def test_a_shared_studio_is_a_reason(embedded_demo):
    """Toy Story and Up share no director or cast in the demo, but their studios:
    "Also from Pixar Animation Studios" says more than their genres."""
    from moviesearch.search.because import because

    toy_story, up = (Movie.objects.get(title=t) for t in ("Toy Story", "Up"))
    assert because(toy_story, up) == "Also from Pixar Animation Studios"
    alien = Movie.objects.get(title="Alien")
    assert not because(toy_story, alien).startswith("Also from")


def test_similar_without_vector_falls_back_to_shared_facts(embedded_demo):
    movie = Movie.objects.get(title="Inception")
    Movie.objects.filter(pk=movie.pk).update(embedding=None)
    movie.refresh_from_db()
    similar = movie.similar(limit=5)
    assert len(similar) == 5 and movie not in similar
    assert any("Christopher Nolan" in m.directors() for m in similar)
