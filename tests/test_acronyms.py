"""A title typed as its initials ("lotr", "potc", "bttf"): its films first, the
best known first, and the query read with the title written out."""

import pytest

from catalog.models import Movie
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.initials import TitleInitials, initials_indexed, main_title
from moviesearch.search.acronyms import acronym_titles
from moviesearch.search.entities import recognise
from tests.searching import api_search, films_by_title

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(make_movie, fake_encoder):
    """Three films of one title's initials (the 1978 one the least known), a film
    whose overview says "lot", and others."""
    made = films_by_title(
        make_movie,
        [
            ("The Lord of the Rings", 500, "Hobbits walk to a mountain."),
            ("The Lord of the Rings: The Two Towers", 9000, "The fellowship splits."),
            ("The Lord of the Rings: The Return of the King", 8000, "A king returns."),
            ("Back to the Future", 7000, "A teenager drives a time machine."),
            ("The Dark Knight Rises", 6000, "A bat rises."),
            ("Salem's Lot", 100, "A lot of vampires in a town."),
            ("Lotus", 50, "A flower."),
        ],
    )
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    return made


def test_the_initials_of_a_titles_main_part():
    assert main_title("The Lord of the Rings: The Two Towers") == (
        "the lord of the rings"
    )
    assert main_title("Schindler's List") == "schindlers list"
    assert main_title("Star Wars - Special Edition") == "star wars"


def test_the_database_computes_the_initials(films):
    got = dict(
        Movie.objects.annotate(initials=TitleInitials("title")).values_list(
            "title", "initials"
        )
    )
    assert got["The Lord of the Rings: The Two Towers"] == "tlotr"
    assert got["The Lord of the Rings"] == "tlotr"
    assert got["Back to the Future"] == "bttf"
    assert got["Salem's Lot"] == "sl"
    assert initials_indexed(Movie, "title")  # the demo declares the index
    assert not initials_indexed(Movie, "original_title")


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_initials_list_the_titles_films_first(films, mode):
    body = api_search("lotr", mode)
    titles = [r["title"] for r in body["results"]]
    assert set(titles[:3]) == {
        "The Lord of the Rings",
        "The Lord of the Rings: The Two Towers",
        "The Lord of the Rings: The Return of the King",
    }, titles
    assert "Salem's Lot" not in titles[:3]  # once read as "lot"
    assert body["corrected"] == [{"typed": "lotr", "word": "the lord of the rings"}]
    assert body["understood"] == []
    assert api_search("BTTF", mode)["results"][0]["title"] == "Back to the Future"
    # With the article's initial: "tdkr".
    assert api_search("tdkr", mode)["results"][0]["title"] == "The Dark Knight Rises"


def test_initials_alone_list_the_best_known_first(films):
    titles = [r["title"] for r in api_search("lotr")["results"]]
    assert titles[:3] == [
        "The Lord of the Rings: The Two Towers",
        "The Lord of the Rings: The Return of the King",
        "The Lord of the Rings",
    ]


def test_the_rest_of_the_query_picks_among_them(films):
    body = api_search("lotr return of the king")
    assert body["results"][0]["title"] == (
        "The Lord of the Rings: The Return of the King"
    )


def test_semantic_mode_reads_the_title_written_out(films):
    body = api_search("lotr", "semantic")
    assert body["corrected"] == [{"typed": "lotr", "word": "the lord of the rings"}]


def test_only_an_unknown_word_is_looked_up(films):
    every = Movie.objects.all()
    found = recognise("lotr")
    assert "lotr" in found.unknown
    ids, read, spelled = acronym_titles(every, "lotr", found)
    assert read == "the lord of the rings" and spelled == {
        "lotr": "the lord of the rings"
    }
    assert ids[0] == films["The Lord of the Rings: The Two Towers"].pk
    # A word the catalogue has is read as typed, whatever titles' initials it is.
    assert acronym_titles(every, "lotus", recognise("lotus")) == ([], "lotus", {})
    # Initials of no title: nothing.
    assert acronym_titles(every, "qqzx", recognise("qqzx")) == ([], "qqzx", {})


def test_without_the_index_initials_are_not_looked_up(films, monkeypatch):
    from moviesearch.search import acronyms

    monkeypatch.setattr(acronyms, "initials_indexed", lambda model, field: False)
    body = api_search("lotr")
    assert body["corrected"] != [{"typed": "lotr", "word": "the lord of the rings"}]


def test_only_a_well_known_titles_initials_are_read(films, make_movie, monkeypatch):
    from moviesearch.search import fame

    obscure = make_movie("Tom Eats Big Hamburgers", vote_count=1, overview="A meal.")
    movie_refresh_documents(movie_ids=[obscure.pk])
    every = Movie.objects.all()
    assert acronym_titles(every, "tebh", recognise("tebh"))[0] == [obscure.pk]
    # Among the two best known films only: the Lord of the Rings films are, this
    # film is not (any three letters are some obscure film's initials).
    monkeypatch.setattr(fame, "MIN_FAMOUS", 2)
    # Whatever size the planner reckons the table (earlier tests leave it pages).
    monkeypatch.setattr(fame, "FAMOUS_SHARE", 0.0)
    assert acronym_titles(every, "tebh", recognise("tebh"))[0] == []
    assert acronym_titles(every, "lotr", recognise("lotr"))[0]
