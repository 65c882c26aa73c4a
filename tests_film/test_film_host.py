"""The plugin on a host model shaped unlike the demo's (tests_film/films): Film(name,
plot, released, tags) with directors as people stored by first and last name. Run
by ./scripts/test as a second pytest session (settings tests_film.settings)."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from moviesearch.embeddings import schema
from moviesearch.embeddings.documents import movie_document
from moviesearch.embeddings.models import Fact, Name, Posting
from moviesearch.embeddings.services import movies_embed
from tests_film.films.models import Film, Person, Tag

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def ran():
    kurosawa = Person.objects.create(first_name="Akira", last_name="Kurosawa")
    film = Film.objects.create(name="Ran", plot="A warlord divides his realm.")
    film.tags.add(Tag.objects.create(label="war"), Tag.objects.create(label="epic"))
    film.directors.add(kurosawa)
    return Film.objects.get(pk=film.pk)


def test_the_declaration_passes_the_system_check():
    call_command("check")


def test_a_saved_film_gets_documents_facts_and_postings_in_its_own_shape(ran):
    document = movie_document(Film.objects.filter(pk=ran.pk).with_document_facts()[0])
    assert document.text == "Ran. A warlord divides his realm. Tags: epic, war."
    assert document.people == "Akira Kurosawa"
    assert ran.document_hash == document.hash  # kept by the signal receivers
    facts = set(Fact.objects.filter(movie_id=ran.pk).values_list("role", "name__name"))
    assert facts == {
        ("director", "Akira Kurosawa"),
        ("genre", "epic"),
        ("genre", "war"),
    }
    lexemes = set(Posting.objects.filter(movie=ran).values_list("lexeme", flat=True))
    assert {"ran", "kurosawa", "warlord", "epic"} <= lexemes


def test_renaming_a_person_refreshes_their_films(ran):
    person = ran.directors.get()
    person.last_name = "Kurosawa-Sama"
    person.save()
    ran.refresh_from_db()
    assert (
        "Kurosawa-Sama"
        in movie_document(
            Film.objects.filter(pk=ran.pk).with_document_facts()[0]
        ).people
    )
    assert Name.objects.filter(
        kind="person", name="Akira Kurosawa-Sama", facts__movie_id=ran.pk
    ).exists()


def test_removing_a_tag_marks_the_vector_stale_and_embedding_makes_it_current(ran):
    movies_embed(movie_ids=[ran.pk])
    assert Film.objects.embedding_counts() == {"missing": 0, "current": 1, "stale": 0}
    ran.tags.remove(Tag.objects.get(label="epic"))
    assert Film.objects.embedding_counts()["stale"] == 1
    assert not Fact.objects.filter(movie_id=ran.pk, name__name="epic").exists()
    movies_embed(movie_ids=[ran.pk])
    assert Film.objects.embedding_current().filter(pk=ran.pk).exists()


def test_the_hnsw_index_is_the_films_declared_one():
    assert schema.hnsw_index().name == "film_embedding_hnsw"
    assert schema.hnsw_index_exists()
    schema.drop_hnsw_index()
    assert not schema.hnsw_index_exists()
    schema.create_hnsw_index()
    assert schema.hnsw_index_exists()


def test_the_admin_shows_status_and_searches_by_meaning(ran, client):
    movies_embed(movie_ids=[ran.pk])
    admin = User.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)
    listing = client.get("/admin/films/film/")
    assert listing.status_code == 200 and "current" in listing.content.decode()
    page = client.get(f"/admin/films/film/{ran.pk}/change/").content.decode()
    assert "Configured model" in page
    found = client.get("/admin/films/film/", {"q": "~ an old warlord and his sons"})
    assert "Ran" in found.content.decode()
