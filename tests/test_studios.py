"""Studios: "pixar movies", "studio ghibli films", "the latest pixar movie". The
importer reads TMDB's production companies, the declaration's `studio` facts carry
them, and a short query naming one lists its films, says which studios it read and
why each film matched. Ranking with the real packaged model on the demo catalogue."""

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import Company, Credit, Keyword, Movie, Person
from moviesearch.embeddings.models import Fact
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search.entities import recognise
from moviesearch.search.studios import _forms
from tests.searching import api_search

pytestmark = pytest.mark.django_db

PIXAR = ["Toy Story", "Monsters, Inc.", "Finding Nemo", "The Incredibles"]
PIXAR += ["WALL·E", "Up", "Inside Out", "Coco"]
GHIBLI = ["My Neighbor Totoro", "Kiki's Delivery Service", "Princess Mononoke"]
GHIBLI += ["Grave of the Fireflies", "Spirited Away", "Howl's Moving Castle"]


def made_by(studio: str, titles: list[str]) -> None:
    """Credit these demo films to a studio through the ORM, as an editor would (the
    relation's signal refreshes their facts)."""
    company, _ = Company.objects.get_or_create(name=studio)
    for title in titles:
        Movie.objects.get(title=title).companies.add(company)


@pytest.fixture
def studios(embedded_demo):
    """The demo catalogue, whose records name the studios of 118 films (Pixar's,
    Studio Ghibli's, Disney's, Marvel's, A24's…)."""
    return embedded_demo


def test_import_reads_production_companies(jsonl, capsys):
    row = {"tmdb_id": 7, "title": "Seven", "production_companies": ["A24", "A24"]}
    path = jsonl([row])
    call_command("import_movies", str(path), "--no-progress")
    movie = Movie.objects.get(tmdb_id=7)
    assert list(movie.companies.values_list("name", flat=True)) == ["A24"]
    assert Fact.objects.filter(movie=movie, role="studio", name__name="A24").exists()
    # Unchanged on a second run; a changed list updates the movie and its facts.
    call_command("import_movies", str(path), "--no-progress")
    assert "0 updated, 1 unchanged" in capsys.readouterr().out
    call_command(
        "import_movies",
        str(jsonl([row | {"production_companies": ["Blumhouse Productions"]}])),
        "--no-progress",
    )
    assert "1 updated" in capsys.readouterr().out
    assert list(
        Fact.objects.filter(movie=movie, role="studio").values_list(
            "name__name", flat=True
        )
    ) == ["Blumhouse Productions"]


def test_a_bad_company_list_is_a_clear_error(jsonl, capsys):
    path = jsonl([{"tmdb_id": 8, "title": "Eight", "production_companies": "A24"}])
    call_command("import_movies", str(path), "--no-progress")
    err = capsys.readouterr()
    assert "production_companies must be a list of strings" in err.out + err.err
    assert not Movie.objects.filter(tmdb_id=8).exists()


def test_the_words_that_name_a_studio():
    assert _forms("Pixar Animation Studios") >= {"pixar animation studios", "pixar"}
    assert _forms("Walt Disney Pictures") >= {"walt disney", "disney", "walt"}
    assert _forms("Warner Bros.") >= {"warner bros", "warner"}
    assert "animation" not in _forms("Pixar Animation Studios")
    assert "studio" not in _forms("Studio Ghibli")


@pytest.mark.parametrize(
    ("query", "titles", "typed"),
    [
        ("pixar movies", PIXAR, "pixar"),
        ("movies by Pixar", PIXAR, "pixar"),
        ("studio ghibli films", GHIBLI, "studio ghibli"),
        ("ghibli", GHIBLI, "ghibli"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_a_studio_lists_its_films(studios, query, titles, typed, mode):
    body = api_search(query, mode=mode, limit=len(titles))
    assert {r["title"] for r in body["results"]} == set(titles)
    assert f"(for “{typed}”)" in body["message"]
    for result in body["results"]:
        assert any(b.startswith("From ") for b in result["because"]), result


def test_a_studio_and_a_genre_and_the_message(studios):
    body = api_search("disney comedies", limit=3)
    # The Disney studios' comedies, best known first.
    comedies = Movie.objects.filter(
        companies__name__startswith="Walt Disney", genres__name="Comedy"
    ).distinct()
    assert comedies.count() > 3
    assert {r["title"] for r in body["results"]} <= set(
        comedies.values_list("title", flat=True)
    )
    assert body["message"] == (
        "Showing films from Walt Disney Pictures, Walt Disney Animation Studios "
        "and 1 more (for “disney”)"
    )
    page = Client().get("/", {"q": "pixar movies"}).content.decode()
    assert "Showing films from Pixar Animation Studios" in page


def test_the_latest_film_of_a_studio(studios):
    body = api_search("the latest pixar movie", limit=3)
    assert [r["title"] for r in body["results"]] == ["Coco", "Inside Out", "Up"]
    assert body["message"].endswith("; Newest first")


def test_the_movie_shows_its_studios(studios):
    toy_story = Movie.objects.get(title="Toy Story")
    body = Client().get(f"/api/movies/{toy_story.pk}").json()
    assert body["studios"] == ["Pixar Animation Studios", "Walt Disney Pictures"]
    page = Client().get(f"/movies/{toy_story.pk}/").content.decode()
    assert "Pixar Animation Studios" in page


def test_a_word_that_is_more_than_a_studio_is_not_read_as_one(studios):
    # "love" is in far more overviews than a studio of that name has films.
    made_by("Love Pictures", ["Up"])
    assert recognise("love movies").studios is None
    # A person's role said ("movies with ..."): a person, not a studio.
    assert recognise("movies with pixar").studios is None
    # A catalogue keyword tagging a quarter as many films as the studio made is
    # the keyword ("castle movies" against Castle Rock's); fewer, the studio.
    made_by("Zephyr Films", PIXAR)
    zephyr = Keyword.objects.create(name="zephyr")
    Movie.objects.get(title="Spirited Away").keywords.add(zephyr)
    assert recognise("zephyr movies").studios.typed == "zephyr"
    Movie.objects.get(title="Princess Mononoke").keywords.add(zephyr)
    assert recognise("zephyr movies").studios is None
    made_by("Zephyr Works", ["Coco", "Up"])  # its name in full is no keyword
    assert recognise("zephyr works movies").studios.typed == "zephyr works"
    # Words apart in the query are no phrase of a name; one film is no studio.
    made_by("Black & White Productions", ["Coco", "Up"])
    assert recognise("black and white movies").studios is None
    made_by("Quill Pictures", ["Coco"])
    assert recognise("quill movies").studios is None
    # A longer description is a story, whatever studio a word of it names.
    story = "a pixar toy who fears being replaced by a new one"
    assert recognise(story).studios is None


def test_a_name_both_a_persons_and_a_studios_names_the_bigger(studios):
    """ "walt disney movies" are Walt Disney Pictures' films, not the few films
    Walt Disney appears in; with a role said, or when the person has as many
    credits as the studio films, the person; a studio's fuller name is the
    studio's."""
    rhea = Person.objects.create(name="Rhea Vantor")
    Credit.objects.create(
        movie=Movie.objects.get(title="Spirited Away"), person=rhea, role="cast"
    )
    made = ["Toy Story", "Up", "Coco", "Alien", "Jaws"]
    made_by("Rhea Vantor Pictures", made)
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    found = recognise("rhea vantor movies")
    assert (found.people, found.studios.typed) == ({}, "rhea vantor")
    body = api_search("rhea vantor movies", limit=5)
    assert (
        body["message"] == "Showing films from Rhea Vantor Pictures (for “rhea vantor”)"
    )
    assert {r["title"] for r in body["results"]} == set(made)
    assert list(recognise("movies with rhea vantor").people.values()) == ["Rhea Vantor"]
    for title in ("Toy Story", "Up"):  # 3 credits: 5 films are under 5 × 3
        Credit.objects.create(
            movie=Movie.objects.get(title=title), person=rhea, role="cast"
        )
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    found = recognise("rhea vantor movies")
    assert (list(found.people.values()), found.studios) == (["Rhea Vantor"], None)
    found = recognise("rhea vantor pictures movies")
    assert (found.people, found.studios.typed) == ({}, "rhea vantor pictures")


def test_reindex_facts_reads_a_newly_declared_role(jsonl, fake_encoder, capsys):
    # Facts as a release without the studio role left them: none of that role.
    row = {"tmdb_id": 9, "title": "Nine", "production_companies": ["Aardman"]}
    call_command("import_movies", str(jsonl([row])), "--no-progress")
    call_command("reindex", "--no-progress")
    movie = Movie.objects.get(tmdb_id=9)
    embedded_at = movie.embedded_at
    Fact.objects.filter(role="studio").delete()
    capsys.readouterr()
    call_command("reindex", "--facts", "--no-progress")
    out = capsys.readouterr().out
    assert "Facts re-read for 1 movies." in out
    assert "0 embedded" in out  # the vector was current: nothing re-encoded
    assert Fact.objects.filter(movie=movie, role="studio").count() == 1
    movie.refresh_from_db()
    assert movie.embedded_at == embedded_at
