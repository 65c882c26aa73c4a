"""A title typed as one word ("ironman", "xmen", "wall-e"), or with words typed as
one ("ironman 2", "xmen apocalypse"): that title first, no misspelled name or word
claimed for it."""

import pytest

from catalog.models import Movie
from moviesearch.embeddings.related import related_words_refresh
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search.entities import recognise
from moviesearch.search.ranking import _joined, apart_titles, joined_titles
from moviesearch.search.series import nth_in_series
from tests.searching import api_search, films_by_title

pytestmark = pytest.mark.django_db


@pytest.fixture
def titles(make_movie, fake_encoder):
    """Titles with a space or a mark inside, a director "antman" is a typo of, a
    film whose overview says "ironman", and the vocabulary."""
    films = {
        title: make_movie(title, overview=f"{title} saves the day.")
        for title in (
            "Iron Man",
            "X-Men",
            "WALL·E",
            "Ant-Man",
            "The Comedy",
            "The A-Team",
            "Iron Man 2",
            "X-Men: Apocalypse",
            "The Lion King",
            "Therapist",
        )
    }
    for i in range(3):
        make_movie(f"Short Cuts {i}", directors=["Robert Altman"], overview="A tale.")
    make_movie("Men at Work", overview="Men at work, ironman training.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    related_words_refresh()
    return films


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("ironman", "Iron Man"),  # a word of another film's overview
        ("xmen", "X-Men"),  # a word in no text: once read as "men"
        ("walle", "WALL·E"),
        ("wall-e", "WALL·E"),  # another mark than the title's
        ("AntMan", "Ant-Man"),  # once Robert Altman misspelled
        ("ateam", "The A-Team"),  # "The" put back: a word in no movie's text
    ],
)
def test_a_title_typed_as_one_word_comes_first(titles, mode, query, title):
    body = api_search(query, mode)
    assert body["results"][0]["title"] == title, [r["title"] for r in body["results"]]
    assert body["understood"] == [] and body["corrected"] == []


@pytest.mark.parametrize("query", ["xmen", "AntMan", "xmen apocalypse", "the lionking"])
def test_semantic_mode_reads_a_joined_title_as_typed(titles, query):
    # Ranked by the vector alone (fake vectors here), but not read as "men" or as
    # a misspelled name.
    body = api_search(query, "semantic")
    assert body["understood"] == [] and body["corrected"] == []


def test_only_a_split_word_is_joined(titles):
    every = Movie.objects.all()
    assert joined_titles(every, "ironman") == [titles["Iron Man"].pk]
    assert joined_titles(every, "comedy") == []  # a word: no "The" put before it
    assert joined_titles(every, "iron man") == []  # two words: exact_titles' business
    assert joined_titles(every, "Iron Man") == []  # as typed: exact_titles'
    assert joined_titles(every.exclude(pk=titles["X-Men"].pk), "xmen") == []


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("ironman 2", "Iron Man 2"),  # "ironman": a word of one other overview
        ("xmen apocalypse", "X-Men: Apocalypse"),  # "xmen" once read as "men"
        ("the lionking", "The Lion King"),
        ("Iron Man 2", "Iron Man 2"),  # as typed: the exact title, as before
    ],
)
def test_a_title_with_words_typed_as_one_comes_first(titles, mode, query, title):
    body = api_search(query, mode)
    assert body["results"][0]["title"] == title, [r["title"] for r in body["results"]]
    assert body["understood"] == [] and body["corrected"] == []


def test_words_run_together_only_as_the_title_parts():
    assert _joined(["ironman", "2"], ["iron", "man", "2"])
    assert _joined(["the", "lionking"], ["the", "lion", "king"])
    assert not _joined(["iron", "man", "2"], ["iron", "man", "2"])  # exact's
    assert not _joined(["the", "rapist"], ["therapist"])  # a space added: no
    assert not _joined(["ironman"], ["iron", "man", "2"])  # a part left over
    assert not _joined(["ironman", "2", "3"], ["iron", "man", "2"])


def test_only_a_title_of_the_words_run_together_is_one(titles):
    every = Movie.objects.all()
    ironman = recognise("ironman 2")
    assert ironman.rare == {"ironman"}  # in the overview of Men at Work only
    assert apart_titles(every, "ironman 2", ironman) == (
        [titles["Iron Man 2"].pk],
        "iron man 2",
    )
    # "rapist" is in no movie's text, and Therapist is near, but a word split.
    assert apart_titles(every, "the rapist", recognise("the rapist")) == (
        [],
        "the rapist",
    )
    # Words every movie has: not asked.
    assert apart_titles(every, "saves the day", recognise("saves the day"))[0] == []


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_an_exact_title_is_listed_beside_a_joined_one(titles, make_movie, mode):
    # "after" is a stop word, in no movie's text: "The After" is joined to it.
    films = [make_movie(t, overview="A tale.") for t in ("After", "The After")]
    movie_refresh_documents(movie_ids=[f.pk for f in films])
    listed = [r["title"] for r in api_search("after", mode)["results"]]
    assert {"After", "The After"} <= set(listed[:2]), listed


def test_a_well_known_title_without_its_article(make_movie, fake_encoder, monkeypatch):
    # "godfather" is The Godfather, "beautiful mind" A Beautiful Mind; but an
    # obscure film is not taken for a word ("comedy" is no The Comedy).
    from moviesearch.search import fame
    from moviesearch.search.ranking import exact_titles

    made = films_by_title(
        make_movie,
        [
            ("The Godfather", 9000, "A crime family."),
            ("A Beautiful Mind", 8000, "A mathematician."),
            ("The Comedy", 3, "A bored man."),
            ("Godfather Blues", 5, "A godfather sings."),
            ("Laughs", 7000, "A comedy of errors."),
        ],
    )
    monkeypatch.setattr(fame, "MIN_FAMOUS", 3)  # the 3 best known films
    # Whatever size the planner reckons the table (earlier tests leave it pages).
    monkeypatch.setattr(fame, "FAMOUS_SHARE", 0.0)
    every = Movie.objects.all()
    assert exact_titles(every, "godfather") == [made["The Godfather"].pk]
    assert exact_titles(every, "Beautiful  Mind") == [made["A Beautiful Mind"].pk]
    assert exact_titles(every, "the laughs") == [made["Laughs"].pk]
    assert exact_titles(every, "comedy") == []
    assert exact_titles(every, "the comedy") == [made["The Comedy"].pk]  # as typed
    for mode in ("hybrid", "keyword"):
        body = api_search("godfather", mode)
        assert body["results"][0]["title"] == "The Godfather", mode


def test_the_nth_film_of_a_series_its_titles_do_not_number(
    make_movie, fake_encoder, monkeypatch
):
    # "harry potter 3" listed Goblet of Fire and Half-Blood Prince before Prisoner
    # of Azkaban: no title says 3. The series' third film by release is meant.
    series = {
        2001: "Wizard School and the Stone",
        2002: "Wizard School and the Chamber",
        2004: "Wizard School and the Prisoner",
        2010: "Wizard School and the Hallows: Part 1",
        2011: "Wizard School and the Hallows: Part 2",
    }
    made = {
        year: make_movie(title, year=year, vote_count=9000 - year)
        for year, title in series.items()
    }
    make_movie("Wizard School: Behind the Magic", year=2000, vote_count=1)
    make_movie("Rocket Pup", year=1990, vote_count=800)
    make_movie("Rocket Pup 2", year=1992, vote_count=700)
    make_movie("Rocket Pup Returns", year=1991, vote_count=600)
    # The six best known films count (the series and Rocket Pup), not the making-of.
    from moviesearch.search import fame

    monkeypatch.setattr(fame, "MIN_FAMOUS", 6)
    monkeypatch.setattr(fame, "FAMOUS_SHARE", 0.0)
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    for query, year in (("wizard school 3", 2004), ("Wizard School 2", 2002)):
        for mode in ("hybrid", "keyword"):
            first = api_search(query, mode)["results"][0]
            assert first["id"] == made[year].pk, (query, mode)
    # A title that numbers the series is that title, whatever the release order.
    assert api_search("rocket pup 2")["results"][0]["title"] == "Rocket Pup 2"
    every = Movie.objects.all()
    assert nth_in_series(every, "wizard school 9") == []  # not that many
    assert nth_in_series(every, "a wizard who goes to school at 3") == []


def test_two_films_of_a_series_in_one_year_are_not_counted(make_movie, fake_encoder):
    # The Matrix Reloaded and Revolutions both came out in 2003: which is second?
    make_movie("Grid", year=1999, vote_count=900)
    make_movie("Grid Reloaded", year=2003, vote_count=800)
    make_movie("Grid Revolutions", year=2003, vote_count=700)
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    assert nth_in_series(Movie.objects.all(), "grid 2") == []
    assert nth_in_series(Movie.objects.all(), "grid 1") == [
        Movie.objects.get(title="Grid").pk
    ]
