"""Misspelled words of a description ("lawer", "theif", "abandonned"): read as the
catalogue's word a typo away by BM25 and the query's vector, and said to the
visitor; nonsense stays nonsense."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from catalog.models import Movie
from moviesearch.embeddings.models import Word
from moviesearch.embeddings.related import related_words_refresh
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search.entities import recognise
from moviesearch.search.spelling import corrected, corrections
from tests.searching import api_search

pytestmark = pytest.mark.django_db


def words(**movies):
    Word.objects.bulk_create(
        Word(word=w, lexeme=w, movies=n) for w, n in movies.items()
    )


def test_the_word_a_typo_away_sharing_the_most_trigrams(db):
    # "later" is in more movies, but "lawyer" begins the same (Jaro-Winkler).
    words(lawyer=10, later=40, lower=5, thief=8, theft=30, blood=50, blow=20)
    assert corrections(["lawer", "theif", "blorf"]) == {
        "lawer": "lawyer",  # a letter dropped
        "theif": "thief",  # two letters swapped: one typo
    }  # "blorf" is two typos from "blow" and "blood": left as typed
    assert corrections(["lawyer"]) == {}  # the word itself is no correction
    assert corrections(["thiefs1"]) == {}  # not a word of letters
    assert corrected("A Lawer, a theif.", {"lawer": "lawyer", "theif": "thief"}) == (
        "A lawyer, a thief."
    )
    # Matched ignoring case, "THEİF" does not casefold to "theif": left as typed.
    assert corrected("theif THEİF", {"theif": "thief"}) == "thief THEİF"


@pytest.mark.django_db(transaction=True)
def test_the_first_statement_of_a_session_may_correct_and_restores_the_threshold():
    # Before pg_trgm's first use in a session its threshold setting does not
    # exist yet; the lowered one is put back after.
    words(lawyer=10, later=40)
    connection.close()
    with transaction.atomic():
        assert corrections(["lawer"]) == {"lawer": "lawyer"}
        with connection.cursor() as cursor:
            cursor.execute("SHOW pg_trgm.similarity_threshold")
            assert float(cursor.fetchone()[0]) == pytest.approx(0.3)


@pytest.fixture
def lawyers(make_movie, fake_encoder):
    """Movies saying "lawyer" and "thief", a Jennifer Lawrence with films, and the
    vocabulary built from them (the related words' build, a fake encoder)."""
    make_movie("Counsel", overview="A young lawyer who cannot lie defends a thief.")
    make_movie("Bar Exam", overview="Three friends study to become a lawyer.")
    make_movie("Night Job", overview="A thief robs a bank at night.")
    for i in range(2):
        make_movie(f"Hunger {i}", cast=["Jennifer Lawrence"], overview="A contest.")
        make_movie(
            f"Memento {i}",
            genres=["Thriller"],
            directors=["Christopher Nolan"],
            overview="A maze.",
        )
        make_movie(f"Heist {i}", overview="A crew with a plan.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    related_words_refresh()
    assert {"lawyer", "thief", "plan"} <= set(
        Word.objects.values_list("word", flat=True)
    )


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
def test_a_misspelled_word_is_read_and_the_visitor_told(lawyers, mode):
    body = api_search("a lawer who cant lie", mode=mode)
    assert body["corrected"] == [{"typed": "lawer", "word": "lawyer"}]
    assert body["message"] == "Showing results for “lawyer” (you typed “lawer”)"
    if mode != "semantic":  # BM25 reads "lawyer" (the fake vectors know nothing)
        assert body["results"][0]["title"] == "Counsel"
    if mode != "semantic":  # (semantic mode reads no names)
        # "lawer" is word-similar to "Lawrence", but a typo from "lawyer": no one.
        assert body["understood"] == []
    page = Client().get("/", {"q": "a lawer who cant lie", "mode": mode})
    assert "Showing results for “lawyer” (you typed “lawer”)" in page.content.decode()


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
def test_a_misspelled_name_is_no_misspelled_word(lawyers, mode):
    # "nlan" is a typo from "plan" too; the name is what was meant.
    body = api_search("movie directed by christopher nlan", mode=mode)
    assert body["corrected"] == []
    if mode == "hybrid":
        [understood] = body["understood"]
        assert understood["person"]["name"] == "Christopher Nolan"
        assert {r["title"] for r in body["results"][:2]} == {"Memento 0", "Memento 1"}


def test_a_corrected_semantic_search_still_says_why(lawyers):
    call_command("reindex", "--no-progress", stdout=StringIO())  # fake vectors
    # The genre keeps the two films (an exact scan), whatever fake vectors are near.
    response = Client().get(
        "/api/search",
        {"q": "christopher nolan theif", "mode": "semantic", "genre": "Thriller"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["corrected"] == [{"typed": "theif", "word": "thief"}]
    assert {r["title"] for r in body["results"]} == {"Memento 0", "Memento 1"}
    because = {r["title"]: r["because"] for r in body["results"]}
    assert "Directed by Christopher Nolan" in because["Memento 0"]
    assert body["understood"] == []  # semantic mode claims no person


def test_words_spelled_right_and_nonsense_are_left_alone(lawyers):
    body = api_search("a lawyer and a thief")
    assert body["corrected"] == [] and "message" not in body
    assert recognise("a lawyer and a thief").spelled == {}
    body = api_search("zzqxv blorf")
    assert body["results"] == [] and body["corrected"] == []
    # Two misspelled words, in the query's order.
    body = api_search("a theif and a lawer", mode="keyword")
    assert body["corrected"] == [
        {"typed": "theif", "word": "thief"},
        {"typed": "lawer", "word": "lawyer"},
    ]
    assert body["results"][0]["title"] == "Counsel"  # both words


def test_a_misspelled_description_ranks_as_spelled_right(embedded_demo):
    """With the real model: the typo changes nothing, BM25 and the vector both read
    the word meant (The Kid: "Chaplin's Tramp finds an abandoned baby")."""
    typed = api_search("a tramp raises an abandonde baby", limit=10)
    right = api_search("a tramp raises an abandoned baby", limit=10)
    assert typed["corrected"] == [{"typed": "abandonde", "word": "abandoned"}]
    assert typed["results"][0]["title"] == "The Kid"
    ranked = [(r["title"], r["score"]) for r in typed["results"]]
    assert ranked == [(r["title"], r["score"]) for r in right["results"]]


@pytest.fixture
def typed_genres(make_movie, fake_encoder):
    for i in range(8):
        make_movie(f"Punch {i}", genres=["Action"], vote_count=i)
    for i in range(2):
        make_movie(f"Fright {i}", genres=["Horror"], vote_count=10 + i)
        make_movie(f"Song {i}", cast=["Hoyt Axton"], overview="A singer.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    related_words_refresh()


def test_a_misspelled_genre_is_read_as_the_genre(typed_genres):
    # Read again as corrected: the genre's films, best known first, as for
    # "horror movies" (not a title like "Home Movie" by similarity).
    body = api_search("horor movies")
    assert body["corrected"] == [{"typed": "horor", "word": "horror"}]
    assert [r["title"] for r in body["results"]] == ["Fright 1", "Fright 0"]
    assert body["results"] == api_search("horror movies")["results"]


def test_a_typo_of_a_common_word_is_not_a_rare_surname(typed_genres):
    # "acton" is a typo from "action" (8 movies) and from Axton (2 credits):
    # the surname rule (credits ≥ 30 % of the word's movies) says the word.
    body = api_search("acton movies")
    assert body["understood"] == []
    assert body["corrected"] == [{"typed": "acton", "word": "action"}]
    assert {r["title"] for r in body["results"]} == {f"Punch {i}" for i in range(8)}


def test_a_near_title_the_query_is_no_typo_of_is_not_raised(make_movie, fake_encoder):
    # "termnator 2" is "terminator 2" misspelled: Terminator 2 first, as spelled
    # right; The Terminator, near the whole query, is no typo of it.
    make_movie("The Terminator", vote_count=9000, overview="A cyborg hunts.")
    make_movie(
        "Terminator 2: Judgment Day", vote_count=8000, overview="A terminator, 2."
    )
    make_movie("Heat", overview="A crew with a plan.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    related_words_refresh()
    body = api_search("termnator 2")
    assert body["corrected"] == [{"typed": "termnator", "word": "terminator"}]
    titles = [r["title"] for r in body["results"]]
    assert titles[0] == "Terminator 2: Judgment Day", titles
    # A query one typo from a title still finds it.
    assert api_search("the termnator")["results"][0]["title"] == "The Terminator"
