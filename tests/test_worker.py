"""The pipeline end to end: a real Celery worker process on a real broker, the real
packaged model, edits made through the admin."""

import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog.models import Genre, Movie, Person
from tests.plugin_fixtures import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def current(pk):
    return Movie.objects.embedding_current().filter(pk=pk).exists()


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("ed", is_staff=True, is_superuser=True))
    return client


def test_admin_edit_gets_a_current_vector_within_seconds(
    celery_worker_process, demo_catalogue, staff_client
):
    call_command("reindex", "--async")
    assert wait_for(lambda: Movie.objects.embedding_counts()["current"] >= 300, 120)

    animation = Genre.objects.get(name="Animation")
    miyazaki = Person.objects.get(name="Hayao Miyazaki")
    started = time.monotonic()
    response = staff_client.post(
        "/admin/catalog/movie/add/",
        {
            "title": "The Lantern Keeper",
            "year": "2026",
            "overview": "In a hand-drawn mountain village, a girl befriends the forest "
            "spirits who light the lanterns, and must save them from a greedy "
            "industrialist.",
            "genres": [animation.pk],
            "popularity": "1",
            "credits-TOTAL_FORMS": "1",
            "credits-INITIAL_FORMS": "0",
            "credits-0-person": miyazaki.pk,
            "credits-0-role": "director",
            "credits-0-order": "0",
        },
    )
    assert response.status_code == 302
    movie = Movie.objects.get(title="The Lantern Keeper")
    assert wait_for(lambda: current(movie.pk), 30), "no current vector after 30 s"
    print(f"admin save -> current vector in {time.monotonic() - started:.2f}s")
    movie.refresh_from_db()
    neighbours = movie.similar(limit=5)
    assert any("Hayao Miyazaki" in m.directors() for m in neighbours)

    # A genre change re-embeds; an unchanged save does not.
    embedded_at = movie.embedded_at
    movie.save()
    time.sleep(2)
    movie.refresh_from_db()
    assert movie.embedded_at == embedded_at
    movie.genres.add(Genre.objects.get(name="Fantasy"))
    assert not current(movie.pk)
    assert wait_for(lambda: current(movie.pk), 30)
    movie.refresh_from_db()
    assert movie.embedded_at > embedded_at
