"""Commit semantics of the embedding pipeline (enqueue only after commit, only on
relevant change), and the embedding service, with a fake encoder."""

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import Genre, Movie, Person
from moviesearch.embeddings import services, tasks
from moviesearch.embeddings.documents import movie_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    """Record what would be sent to the broker, instead of sending it."""
    sent = []
    monkeypatch.setattr(
        tasks.embed_movies, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    return sent


def ids(sent):
    return sorted({pk for batch in sent for pk in batch})


def test_document_carries_the_facts(make_movie):
    movie = make_movie(
        "Serenity", 2005, genres=["Science Fiction"], directors=["Joss Whedon"],
        cast=["Nathan Fillion"], overview="A crew of smugglers runs from the Alliance.",
    )  # fmt: skip
    document = movie_document(Movie.objects.get(pk=movie.pk))
    # The dense text is the story first; names go to the lexical side only.
    assert document.text == (
        "Serenity. A crew of smugglers runs from the Alliance. Genres: Science Fiction."
    )
    assert document.people == "Joss Whedon Nathan Fillion"
    assert document.topics == "Science Fiction"
    assert "smugglers" in document.story


def test_create_enqueues_once_after_commit(
    django_capture_on_commit_callbacks, enqueued, make_movie
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        movie = make_movie("Alien", 1979, genres=["Horror"], directors=["Ridley Scott"])
        assert enqueued == []  # nothing leaves before commit
    assert callbacks and ids(enqueued) == [movie.pk]


def test_rollback_enqueues_nothing(django_capture_on_commit_callbacks, enqueued):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                Movie.objects.create(title="Never")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert enqueued == [] and not Movie.objects.filter(title="Never").exists()


def embedded(movie, fake_encoder):
    services.movies_embed(movie_ids=[movie.pk])
    movie.refresh_from_db()
    return movie


def test_unchanged_save_does_not_enqueue(
    django_capture_on_commit_callbacks, enqueued, fake_encoder, make_movie
):
    movie = embedded(make_movie("Alien", 1979, genres=["Horror"]), fake_encoder)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        movie.save()
        movie.genres.set(movie.genres.all())
    assert enqueued == []


@pytest.mark.parametrize("change", ["genre", "credit", "person", "title"])
def test_relevant_changes_enqueue(
    change, django_capture_on_commit_callbacks, enqueued, fake_encoder, make_movie
):
    movie = embedded(
        make_movie("Alien", 1979, genres=["Horror"], cast=["Sigourney Weaver"]),
        fake_encoder,
    )
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if change == "genre":
            movie.genres.add(Genre.objects.create(name="Science Fiction"))
        elif change == "credit":
            movie.credits.create(
                person=Person.objects.create(name="Ridley Scott"), role="director"
            )
        elif change == "person":
            Person.objects.filter(name="Sigourney Weaver").update()  # no signal: no-op
            person = Person.objects.get(name="Sigourney Weaver")
            person.name = "S. Weaver"
            person.save()
        else:
            movie.title = "Alien: Director's Cut"
            movie.save()
    assert ids(enqueued) == [movie.pk]
    assert Movie.objects.embedding_stale().filter(pk=movie.pk).exists()


def test_broker_down_keeps_the_edit_and_marks_it_stale(
    django_capture_on_commit_callbacks, fake_encoder, make_movie, monkeypatch
):
    # Plumbing only: the real broker outage is tests/test_faults.py's job.
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError(
            "Error 111 connecting to the broker. Connection refused."
        )

    movie = embedded(make_movie("Alien", 1979), fake_encoder)
    monkeypatch.setattr(tasks.embed_movies, "apply_async", refuse)
    monkeypatch.setattr(tasks, "_broker_down_until", {})
    with django_capture_on_commit_callbacks(execute=True):
        movie.overview = "Edited while the broker is down."
        movie.save()
    assert Movie.objects.get(pk=movie.pk).overview == "Edited while the broker is down."
    assert Movie.objects.embedding_stale().filter(pk=movie.pk).exists()
    call_command("reindex", "--stale", "--no-progress")
    assert Movie.objects.embedding_current().filter(pk=movie.pk).exists()


def test_embed_is_idempotent(fake_encoder, make_movie):
    movie = make_movie("Alien", 1979, genres=["Horror"])
    first = services.movies_embed(movie_ids=[movie.pk])
    second = services.movies_embed(movie_ids=[movie.pk])
    assert (first.embedded, second.embedded, second.unchanged) == (1, 0, 1)
    assert len(fake_encoder.calls) == 1
    stored = Movie.objects.get(pk=movie.pk)
    assert stored.embedding is not None and len(stored.embedding) == 384
    assert Movie.objects.embedding_current().filter(pk=movie.pk).exists()


def test_edit_during_encoding_stays_stale(fake_encoder, make_movie, monkeypatch):
    movie = make_movie("Alien", 1979)
    real_encode = fake_encoder.encode

    def encode_while_someone_edits(texts, **kwargs):
        Movie.objects.filter(pk=movie.pk).update(title="Aliens")
        services.movie_refresh_documents(movie_ids=[movie.pk])
        return real_encode(texts, **kwargs)

    monkeypatch.setattr(fake_encoder, "encode", encode_while_someone_edits)
    report = services.movies_embed(movie_ids=[movie.pk])
    assert report.embedded == 0  # the compare-and-set refused the outdated vector
    assert not Movie.objects.embedding_current().filter(pk=movie.pk).exists()


def test_failed_encoding_keeps_movie_and_marks_error(
    fake_encoder, make_movie, monkeypatch
):
    movie = make_movie("Alien", 1979)

    def broken(texts, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(fake_encoder, "encode", broken)
    with pytest.raises(RuntimeError):
        services.movies_embed(movie_ids=[movie.pk])
    stored = Movie.objects.get(pk=movie.pk)
    assert stored.embedding is None and "out of memory" in stored.embedding_error
    assert Movie.objects.embedding_not_current().filter(pk=movie.pk).exists()


def test_model_change_makes_every_vector_stale(
    fake_encoder, make_movie, settings, capsys
):
    for title in ("A", "B", "C"):
        make_movie(title)
    call_command("reindex", "--no-progress")
    assert Movie.objects.embedding_counts() == {"missing": 0, "current": 3, "stale": 0}
    settings.EMBEDDING_MODEL = "/models/another"
    assert Movie.objects.embedding_counts() == {"missing": 0, "current": 0, "stale": 3}
    call_command("embedding_status")
    assert "stale: 3" in capsys.readouterr().out
    call_command("reindex", "--stale", "--no-progress")
    assert Movie.objects.embedding_counts()["current"] == 3
