"""Words related in meaning ("lawyer" → "attorney"): built from the catalogue's
vocabulary by the model, added to a query's lexical side at a fraction of their
weight, and rebuilt by reindex and the worker's sweep when due."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import Movie
from moviesearch.embeddings import tasks
from moviesearch.embeddings.models import RelatedLexeme, RelatedWordsBuild
from moviesearch.embeddings.related import related_words_due, related_words_refresh
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search import lexical

pytestmark = pytest.mark.django_db


def refresh():
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))


def titles(q, mode="keyword"):
    response = Client().get("/api/search", {"q": q, "mode": mode, "limit": 20})
    assert response.status_code == 200, response.content
    return [r["title"] for r in response.json()["results"]]


def test_a_description_in_other_words_finds_the_film(make_movie, real_encoder):
    # Liar Liar's overview says "attorney" and "liar"; the visitor types "lawyer"
    # and "lie". Every word below is in two movies' texts (MIN_MOVIES).
    make_movie(
        "Fib Friday",
        overview="A fast-talking attorney and habitual liar must tell the truth "
        "for a whole day after his son's birthday wish.",
    )
    make_movie("The Second Chair", overview="An attorney takes a small-town case.")
    make_movie("Courtroom Days", overview="A young lawyer defends a farmer.")
    make_movie("Bar Exam", overview="Three friends study to become a lawyer.")
    make_movie("Pants on Fire", overview="A boy who tells one lie after another.")
    make_movie("Little Liar", overview="A liar and a thief meet on a train.")
    make_movie("Truth Serum", overview="A chemist makes anyone who tells a lie sneeze.")
    call_command("reindex", "--no-progress", "--keep-index")  # builds them: due
    related = dict(RelatedLexeme.objects.values_list("lexeme", "related"))
    assert related["lawyer"] == "attorney" and related["lie"] == "liar"

    query = "that film where a lawyer can't lie"
    assert "Fib Friday" in titles(query)
    # The page says why: the overview's related words are marked.
    response = Client().get("/api/search", {"q": query, "mode": "keyword"})
    [fib] = [r for r in response.json()["results"] if r["title"] == "Fib Friday"]
    assert "Overview mentions “attorney”, “liar”" in fib["because"]
    # A word as typed outweighs a related one: the films saying "lawyer" first.
    assert set(titles("lawyer")[:2]) == {"Bar Exam", "Courtroom Days"}
    # Without them BM25 knows nothing of Fib Friday for these words.
    RelatedLexeme.objects.all().delete()
    assert "Fib Friday" not in titles(query)


def test_a_related_lexeme_counts_at_its_fraction_of_a_typed_one(
    make_movie, fake_encoder
):
    make_movie("Counsel", overview="An attorney in a small town.")
    make_movie("Other", overview="A farmer in a small town.")
    refresh()
    [pk] = Movie.objects.filter(title="Counsel").values_list("pk", flat=True)
    assert lexical.bm25_of("lawyer", [pk]) == {}
    RelatedLexeme.objects.create(lexeme="lawyer", related="attorney", similarity=0.9)
    typed = lexical.bm25_of("attorney", [pk])[pk]
    related = lexical.bm25_of("lawyer", [pk])[pk]
    assert related == pytest.approx(lexical.RELATED_WEIGHT * 0.9 * typed)
    # Typed and related both: the typed weight, counted once.
    assert lexical.bm25_of("lawyer attorney", [pk])[pk] == pytest.approx(typed)
    # bm25_scores finds it through the related word's postings.
    assert lexical.bm25_scores(Movie.objects.all(), "lawyer", 10) == {pk: related}


def status(capsys):
    call_command("embedding_status")
    return capsys.readouterr().out.splitlines()[-1]


def test_they_are_due_when_missing_another_models_or_the_catalogue_grew(
    make_movie, fake_encoder, settings, capsys
):
    assert not related_words_due()  # nothing to build them from
    for i in range(10):
        make_movie(f"Harbour {i}", overview="A harbour town and its sailors.")
    refresh()
    assert related_words_due()
    assert status(capsys) == "Related words: none yet (due for a rebuild)"
    build = related_words_refresh()
    assert build.words > 0 and build.documents == 10
    assert not related_words_due()
    assert status(capsys) == f"Related words: {build}"
    make_movie("Harbour 10", overview="Sailors again.")
    refresh()
    assert not related_words_due()  # 11 documents: within GROWTH of 10
    make_movie("Harbour 11", overview="Sailors again.")
    refresh()
    assert related_words_due()
    related_words_refresh()
    assert RelatedWordsBuild.objects.count() == 1
    settings.EMBEDDING_MODEL = "/models/another"
    assert related_words_due()


def test_the_sweep_rebuilds_them_once_no_vector_is_stale(
    make_movie, fake_encoder, monkeypatch
):
    asked = []
    monkeypatch.setattr(tasks.related_words, "delay", lambda: asked.append(1))
    monkeypatch.setattr(tasks.embed_movies, "delay", lambda ids: None)
    make_movie("Harbour", overview="A harbour town and its sailors.")
    make_movie("Harbour II", overview="The harbour town again.")
    assert tasks.embed_stale() == 2 and asked == []  # a vector to make first
    call_command("reindex", "--no-progress", "--keep-index")  # builds them
    assert tasks.embed_stale() == 0 and asked == []  # current
    RelatedWordsBuild.objects.all().delete()
    assert tasks.embed_stale() == 0 and asked == [1]
    assert tasks.related_words() > 0 and not related_words_due()


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_write_in_turn(make_movie, fake_encoder, monkeypatch):
    import threading

    from django.db import connection

    from moviesearch.embeddings import related

    for i in range(3):
        make_movie(f"Harbour {i}", overview="A harbour town and its sailors.")
    refresh()
    # Both builds reach their writes together, each with pairs of its own.
    both = threading.Barrier(2)
    pairs = {"harbour": {"port": 0.9}, "sailor": {"crew": 0.8}}
    monkeypatch.setattr(related, "related_lexemes", lambda *a: both.wait() * 0 or pairs)
    errors = []

    def build():
        try:
            related.related_words_refresh()
        except Exception as exc:  # an IntegrityError without the turn
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RelatedLexeme.objects.count() == 2
    assert RelatedWordsBuild.objects.count() == 1


def test_reindex_builds_them_though_every_vector_is_current(make_movie, fake_encoder):
    # An upgrade to this release: vectors current, no related words yet.
    make_movie("Harbour", overview="A harbour town and its sailors.")
    make_movie("Harbour II", overview="The harbour town again.")
    call_command("reindex", "--no-progress", "--keep-index")
    RelatedWordsBuild.objects.all().delete()
    out = StringIO()
    call_command("reindex", "--no-progress", "--keep-index", stdout=out)
    assert "0 embedded" in out.getvalue() and "Related words:" in out.getvalue()
    assert RelatedWordsBuild.objects.count() == 1
    call_command("reindex", "--no-progress", "--keep-index", stdout=out)
    assert out.getvalue().count("Related words:") == 1  # not due: not rebuilt


def test_a_failed_build_loses_no_vector_and_says_how_to_retry(
    make_movie, fake_encoder, monkeypatch
):
    from django.core.management.base import CommandError

    from moviesearch.embeddings import related

    make_movie("Harbour", overview="A harbour town and its sailors.")
    make_movie("Harbour II", overview="The harbour town again.")

    def broken(*args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(related, "related_lexemes", broken)
    with pytest.raises(CommandError, match="related_words` to retry"):
        call_command("reindex", "--no-progress", "--keep-index")
    assert Movie.objects.embedding_counts()["current"] == 2
    assert related_words_due()
