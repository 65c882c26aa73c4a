"""The film host's pipeline end to end: edits made through the admin, a real Celery
worker process (settings tests_film.settings) on the configured broker embedding
them with the real packaged model."""

import time

import pytest
from django.contrib.auth.models import User

from tests.plugin_fixtures import wait_for
from tests_film.conftest import make_film
from tests_film.films.models import Film, Person, Tag

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def current(pk):
    return Film.objects.embedding_current().filter(pk=pk).exists()


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("ed", is_staff=True, is_superuser=True))
    return client


def test_a_film_added_in_the_admin_gets_a_current_vector(
    celery_worker_process, staff_client
):
    glass = make_film(
        "Glass Orchard",
        "In a greenhouse colony on Mars, a botanist discovers that the apple trees "
        "whisper coded messages left by the first settlers.",
        "2019-09-02",
        ["science fiction", "mystery"],
        ["Haruto Sekiguchi"],
    )
    make_film("Thunder over Calvera", "A gunslinger defends farmers.", "1962-07-01")
    assert wait_for(lambda: Film.objects.embedding_counts()["current"] == 2, 60)

    started = time.monotonic()
    response = staff_client.post(
        "/admin/films/film/add/",
        {
            "name": "Orbit of Silence",
            "plot": "An astronaut stranded alone on a damaged space station must "
            "repair its oxygen recycler before her last air runs out.",
            "released": "2016-04-22",
            "tags": [Tag.objects.get(label="science fiction").pk],
            "directors": [Person.objects.get(last_name="Sekiguchi").pk],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    orbit = Film.objects.get(name="Orbit of Silence")
    assert wait_for(lambda: current(orbit.pk), 30), "no current vector after 30 s"
    print(f"admin save -> current vector in {time.monotonic() - started:.2f}s")
    orbit.refresh_from_db()
    assert orbit.embedding_model
    nearest = Film.objects.exclude(pk=orbit.pk).nearest(orbit.embedding)[:1]
    assert [m.pk for m in nearest] == [glass.pk]

    # A tag added makes the vector stale; the worker makes it current again.
    embedded_at = orbit.embedded_at
    orbit.tags.add(Tag.objects.create(label="thriller"))
    assert not current(orbit.pk)
    assert wait_for(lambda: current(orbit.pk), 30)
    orbit.refresh_from_db()
    assert orbit.embedded_at > embedded_at


def test_the_reembed_action_embeds_again(celery_worker_process, staff_client):
    film = make_film(
        "Ledger of Bones", "A forensic accountant testifies.", "2021-01-15"
    )
    assert wait_for(lambda: current(film.pk), 60)
    embedded_at = Film.objects.get(pk=film.pk).embedded_at
    response = staff_client.post(
        "/admin/films/film/",
        {"action": "reembed", "_selected_action": [film.pk]},
        follow=True,
    )
    assert "Enqueued 1 movies for embedding." in response.content.decode()
    assert wait_for(
        lambda: Film.objects.get(pk=film.pk).embedded_at > embedded_at, 30
    ), "the action did not embed the film again"
