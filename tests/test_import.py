import gzip
import json

import pytest
from django.core.management import call_command

from catalog.models import Credit, Genre, Keyword, Movie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.smoke]


def row(tmdb_id, title, **extra):
    return {
        "tmdb_id": tmdb_id,
        "imdb_id": f"tt{tmdb_id:07d}" if tmdb_id else None,
        "title": title,
        "original_title": title,
        "year": 2001,
        "release_date": "2001-05-04",
        "overview": f"The story of {title}.",
        "tagline": None,
        "genres": ["Drama", "Comedy"],
        "directors": ["Ann Director"],
        "cast": ["Bea Lead", "Cy Support"],
        "keywords": ["friendship"],
        "runtime": 100,
        "vote_average": 7.1,
        "vote_count": 120,
        "popularity": 12.5,
        "original_language": "en",
        **extra,
    }


def run(path, capsys):
    call_command("import_movies", str(path), "--no-progress")
    out = capsys.readouterr()
    return out.out + out.err


def test_import_creates_movies_with_relations(jsonl, capsys):
    out = run(jsonl([row(1, "One"), row(2, "Two")]), capsys)
    assert "2 created, 0 updated, 0 unchanged, 0 skipped" in out
    movie = Movie.objects.get(tmdb_id=1)
    assert movie.directors() == ["Ann Director"]
    assert movie.cast() == ["Bea Lead", "Cy Support"]
    assert sorted(g.name for g in movie.genres.all()) == ["Comedy", "Drama"]
    assert list(movie.keywords.values_list("name", flat=True)) == ["friendship"]
    assert movie.document_hash and movie.search_vector
    assert movie.embedding is None  # embedding is left to `reindex`


def test_second_run_creates_nothing(jsonl, capsys):
    path = jsonl([row(1, "One"), row(2, "Two")])
    run(path, capsys)
    out = run(path, capsys)
    assert "0 created, 0 updated, 2 unchanged" in out
    assert Movie.objects.count() == 2
    assert Credit.objects.count() == 6
    assert Genre.objects.count() == 2 and Keyword.objects.count() == 1


def test_import_refreshes_planner_statistics(jsonl, capsys):
    """Autovacuum is off on the CI server: without the import's ANALYZE the planner
    would keep the statistics of an empty table."""
    from django.db import connection

    run(jsonl([row(i, f"Movie {i}") for i in range(1, 4)]), capsys)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('catalog_movie', 'catalog_credit', 'catalog_movie_genres')"
        )
        assert dict(cursor.fetchall()) == {
            "catalog_movie": 3,
            "catalog_credit": 9,
            "catalog_movie_genres": 6,
        }


def test_changed_rows_are_updated_in_place(jsonl, capsys):
    run(jsonl([row(1, "One")]), capsys)
    out = run(
        jsonl([row(1, "One, Revised", cast=["New Star"], genres=["War"])]), capsys
    )
    assert "0 created, 1 updated" in out
    movie = Movie.objects.get(tmdb_id=1)
    assert movie.title == "One, Revised"
    assert movie.cast() == ["New Star"]
    assert [g.name for g in movie.genres.all()] == ["War"]


def test_bad_lines_are_reported_by_number_and_skipped(jsonl, capsys):
    path = jsonl(
        [
            row(1, "Good"),
            "{not json",
            row(3, ""),
            row(4, "Bad year", year="soon"),
            json.dumps(["a", "list"]),
            row(6, "Also good"),
        ]
    )
    out = run(path, capsys)
    assert "2 created" in out and "4 skipped" in out
    assert "line 2: malformed JSON" in out
    assert "line 3: invalid field: title is required" in out
    assert "line 4: invalid field: year must be a number" in out
    assert "line 5: invalid field: line is not a JSON object" in out
    assert set(Movie.objects.values_list("title", flat=True)) == {"Good", "Also good"}


def test_row_rejected_by_database_leaves_no_half_movie(jsonl, capsys):
    # Two different TMDB ids claiming the same IMDb id: the second cannot land.
    out = run(jsonl([row(1, "First"), row(2, "Clash", imdb_id="tt0000001")]), capsys)
    assert "1 created" in out and "rejected by database" in out
    assert list(Movie.objects.values_list("title", flat=True)) == ["First"]
    assert Credit.objects.count() == 3


def test_gzip_and_rows_without_ids(tmp_path, capsys):
    path = tmp_path / "movies.jsonl.gz"
    rows = [row(1, "Zipped"), row(None, "No Ids", imdb_id=None)]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows))
    assert "2 created" in run(path, capsys)
    assert "0 created, 0 updated, 2 unchanged" in run(path, capsys)


def test_missing_file_is_a_command_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_movies", str(tmp_path / "nope.jsonl"))


def test_demo_catalogue_loads(capsys):
    call_command("load_demo")
    assert Movie.objects.count() >= 300
    nolan = Movie.objects.filter(credits__person__name="Christopher Nolan")
    assert nolan.count() >= 3
    assert Movie.objects.exclude(overview="").count() == Movie.objects.count()
    call_command("load_demo")
    assert "0 created" in capsys.readouterr().out
