"""The lexical index's word counts (kept by triggers) and the bounded BM25 read:
every write keeps the counts exact, and a common word's postings are read only as
far as POSTINGS_PER_WORD while the movies asked about keep their exact scores."""

import math

import pytest
from django.db.models import Count, Sum

from catalog.models import Movie
from moviesearch.embeddings.lexical import K1, B
from moviesearch.embeddings.models import Corpus, Lexeme, LexicalDocument, Posting
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search import lexical

pytestmark = pytest.mark.django_db


def refresh():
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))


def assert_counts_exact():
    counted = dict(
        Posting.objects.values("lexeme")
        .annotate(n=Count("movie"))
        .values_list("lexeme", "n")
    )
    kept = dict(Lexeme.objects.filter(df__gt=0).values_list("lexeme", "df"))
    assert kept == counted
    docs = LexicalDocument.objects.aggregate(n=Count("movie"), total=Sum("length"))
    corpus = Corpus.objects.get()
    assert corpus.documents == docs["n"]
    assert corpus.length == pytest.approx(docs["total"] or 0.0)


def test_word_counts_follow_every_write(make_movie, fake_encoder):
    keep = make_movie("Quillhaven Lanterns", overview="Spirits light a village.")
    gone = make_movie("Quillhaven Tides", overview="A village by the sea.")
    make_movie("Brightwater", overview="Lanterns over the harbour.")
    refresh()
    assert Lexeme.objects.get(lexeme="quillhaven").df == 2
    assert_counts_exact()
    keep.title = "Brightwater Lanterns"
    keep.save()
    refresh()
    assert Lexeme.objects.get(lexeme="quillhaven").df == 1
    gone.delete()  # the postings go by cascade, outside postings_refresh
    assert Lexeme.objects.get(lexeme="quillhaven").df == 0
    assert Lexeme.objects.get(lexeme="brightwat").df == 2
    assert_counts_exact()


def reference_bm25(words: str) -> dict[int, float]:
    """BM25 counted from every posting, in Python."""
    docs = list(LexicalDocument.objects.values_list("movie_id", "length"))
    n, avgdl = len(docs), sum(length for _, length in docs) / len(docs)
    scores: dict[int, float] = {}
    for word in words.split():
        rows = list(
            Posting.objects.filter(lexeme=word).values_list("movie_id", "tf", "dl")
        )
        idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
        for pk, tf, dl in rows:
            part = tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
            scores[pk] = scores.get(pk, 0.0) + idf * part
    return scores


def test_bm25_reads_a_common_word_only_as_far_as_its_best_postings(
    make_movie, fake_encoder, monkeypatch
):
    rare = make_movie("Zeppelin Harbour", overview="A harbour town and its zeppelin.")
    common = [
        make_movie(f"Harbour {i}", overview="The harbour. " * (1 + i % 4) + "Tides.")
        for i in range(12)
    ]
    refresh()
    movies = Movie.objects.all()
    reference = reference_bm25("harbour zeppelin")
    everything = lexical.bm25_scores(movies, "harbour zeppelin", 100)
    assert everything == pytest.approx(reference)
    assert len(everything) == 13

    monkeypatch.setattr(lexical, "POSTINGS_PER_WORD", 3)
    asked = common[0].pk
    bounded = lexical.bm25_scores(movies, "harbour zeppelin", 100, also=[asked])
    # The rare word's movie and the common word's three best, plus the one asked
    # about, each scored exactly (both words, wherever their postings rank).
    harbour_best = list(
        Posting.objects.filter(lexeme="harbour")
        .order_by("-impact")
        .values_list("movie_id", flat=True)[:3]
    )
    assert set(bounded) == {rare.pk, asked, *harbour_best}
    assert len(bounded) < len(everything)
    assert bounded == pytest.approx({pk: reference[pk] for pk in bounded})
    best = sorted(reference, key=lambda pk: -reference[pk])
    assert best[0] == rare.pk
    assert max(bounded, key=bounded.get) == rare.pk
    # A filter still applies to what is read.
    only_common = movies.exclude(pk=rare.pk)
    filtered = lexical.bm25_scores(only_common, "harbour zeppelin", 100)
    assert rare.pk not in filtered and len(filtered) == 3
    assert set(filtered) <= set(everything) - {rare.pk}


def test_bm25_asked_early_then_completed_gives_the_same_scores(
    make_movie, fake_encoder, monkeypatch
):
    """Hybrid asks for BM25's best while the query is encoded and scores the vector's
    movies after (ranking._lexical): the same movies and scores as one statement
    that knew them from the start, so a page whose vector was cached (one
    statement) and the next (two) agree."""
    from moviesearch.search.ranking import _lexical

    films = [
        make_movie(f"Harbour {i}", overview="The harbour. " * (1 + i % 5) + "Tides.")
        for i in range(6)
    ] + [
        make_movie(f"Tides {i}", overview="Tides and tides. " * (1 + i % 3))
        for i in range(6)
    ]
    films.append(make_movie("Lanterns", overview="No word of the query here."))
    refresh()
    # Each word's two best postings: a movie with both words may be missed by the
    # first read and then outrank those it found, when the vector brings it.
    monkeypatch.setattr(lexical, "POSTINGS_PER_WORD", 2)
    movies, text = Movie.objects.all(), "harbour tides"
    early = lexical.bm25_scores(movies, text, 3)
    cut = 0
    for i in range(len(films) - 2):
        also = [f.pk for f in films[i : i + 3]]
        once = lexical.bm25_scores(movies, text, 3, also=also)
        assert _lexical(movies, text, 3, early, also=also) == pytest.approx(once)
        assert films[-1].pk not in once  # it matches no word
        cut += len({*early, *also} & {*early, *once}) > len(once)
    assert cut  # some early movies were outranked and left out, as by one statement


def test_a_surname_that_is_a_stop_word_is_answered(make_movie, fake_encoder):
    # English stop words have no lexeme: their document frequency is 0, not
    # unknown (a surname such as "Most" was a 500 once).
    from django.test import Client

    for i in range(3):
        make_movie(f"Harbour Lights {i}", directors=["Ada Most"])
    refresh()
    for mode in ("keyword", "hybrid"):
        params = {"q": "films by Most", "mode": mode}
        response = Client().get("/api/search", params)
        assert response.status_code == 200, response.content


def test_impacts_use_the_mean_length_with_the_batch_counted(make_movie, fake_encoder):
    # The first movie written into an empty index: its own length is the mean, so
    # each impact is tf / (tf + k1) (with a mean of 1 it would be far smaller).
    make_movie("Quillhaven", overview="Lanterns over the harbour at night.")
    refresh()
    rows = list(Posting.objects.values_list("tf", "impact"))
    assert rows
    for tf, impact in rows:
        assert impact == pytest.approx(tf / (tf + K1))
