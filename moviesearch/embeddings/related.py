"""Words near each other in meaning, for the lexical side: "lawyer" → "attorney",
"lie" → "liar", "thieves" → "robbers".

BM25 matches the words typed. A visitor's "that film where a lawyer can't lie"
shares no word with Liar Liar's "a fast-talking attorney and habitual liar", whose
BM25 score was 0; hybrid then ranked it 23rd where the vector alone had it 7th.
Each lexeme of the catalogue's story vocabulary (titles, genres, keywords, taglines,
overviews: not people's names) gets the few lexemes whose words the configured
model puts nearest (cosine ≥ SIMILARITY, at most PER_LEXEME), and
moviesearch.search.lexical adds them to a query at a fraction of their weight
(README "Search quality": measured on plot descriptions and every other family).

The table is rebuilt as a whole: by `reindex` and the worker's sweep when it is
missing, made by another model or the catalogue has grown by GROWTH since, and by
`manage.py related_words`. The same build keeps the vocabulary's words
(embeddings.models.Word), which moviesearch.search.spelling reads a query's
misspelled words against."""

import logging
import re
import time
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from moviesearch.catalogue import movie_model
from moviesearch.embeddings import encoder
from moviesearch.embeddings.documents import movie_document
from moviesearch.embeddings.models import (
    Corpus,
    RelatedLexeme,
    RelatedWordsBuild,
    Word,
)

log = logging.getLogger(__name__)

SIMILARITY = 0.7  # cosine of two words' vectors for one to stand for the other
PER_LEXEME = 3  # related lexemes kept per lexeme, the nearest first
MIN_MOVIES = 2  # a word in fewer movies' texts is left out (typos, one-off names)
MAX_WORDS = 50_000  # the most frequent words are related (50k: ~1 min on 2 cores)
MAX_MOVIES = 50_000  # the vocabulary is read from the first movies (by primary key)
GROWTH = 0.1  # a catalogue 10 % larger (or smaller) than at the last build is rebuilt
FORMS = 0.1  # a word stands for its lexeme if ≥ this share of its commonest word's
NEIGHBOURS = 20  # a word's nearest words looked at (its own forms take some)
WORD = re.compile(r"[^\W\d_]{3,}")
_CHUNK = 1000
_TURN_SQL = "SELECT pg_advisory_xact_lock(hashtext('moviesearch.related_words'))"


def vocabulary(*, max_movies: int = MAX_MOVIES) -> Counter:
    """Each word of the movies' titles, topics and stories (lower case, letters
    only, ≥ 3 of them), counted once per movie."""
    Movie = movie_model()
    ids = list(
        Movie._default_manager.order_by("pk").values_list("pk", flat=True)[:max_movies]
    )
    counts = Counter()
    for start in range(0, len(ids), _CHUNK):
        movies = Movie._default_manager.filter(pk__in=ids[start : start + _CHUNK])
        for movie in movies.with_document_facts():
            doc = movie_document(movie)
            text = " ".join((doc.title, doc.topics, doc.story)).casefold()
            counts.update(set(WORD.findall(text)))
    return counts


def lexemes_of(words: list[str]) -> dict[str, str]:
    """The full-text lexeme of each word that has exactly one (stop words have
    none)."""
    found = {}
    with connection.cursor() as cursor:
        for start in range(0, len(words), 5000):
            cursor.execute(
                "SELECT w, tsvector_to_array(to_tsvector('english'::regconfig, w)) "
                "FROM unnest(%s::text[]) AS w",
                [words[start : start + 5000]],
            )
            found.update((w, lex[0]) for w, lex in cursor.fetchall() if len(lex) == 1)
    return found


def related_lexemes(words: list[str], lexemes: dict[str, str], vectors) -> dict:
    """{lexeme: {related lexeme: cosine}}: for each lexeme, the PER_LEXEME nearest
    other lexemes over all its words' nearest words at SIMILARITY or more."""
    from sentence_transformers.util import semantic_search

    hits = semantic_search(vectors, vectors, top_k=min(NEIGHBOURS, len(words)))
    related: dict[str, dict[str, float]] = {}
    for i, near in enumerate(hits):
        own = lexemes[words[i]]
        for hit in near:
            if hit["score"] < SIMILARITY:
                break
            other = lexemes[words[hit["corpus_id"]]]
            if other != own:
                mine = related.setdefault(own, {})
                mine[other] = max(mine.get(other, 0.0), float(hit["score"]))
    return {
        lexeme: dict(sorted(near.items(), key=lambda kv: -kv[1])[:PER_LEXEME])
        for lexeme, near in related.items()
    }


def related_words_refresh(*, max_movies: int = MAX_MOVIES) -> RelatedWordsBuild:
    """Rebuild the related lexemes from the catalogue's vocabulary with the
    configured model."""
    started = time.perf_counter()
    counts = vocabulary(max_movies=max_movies)
    words = [w for w, n in counts.most_common(MAX_WORDS) if n >= MIN_MOVIES]
    lexemes = lexemes_of(words)
    spelled = [
        Word(word=w, lexeme=lexemes[w], movies=counts[w]) for w in words if w in lexemes
    ]
    # A lexeme stands for its common words: "dream" and "dreams", "lie", "lies"
    # and "lying", not a rare word the snowball stemmer gives the same lexeme
    # ("man" and "manning", "love" and "lovely"), whose neighbours differ
    # ("manning" → "peyton").
    head: dict[str, int] = {}
    for word in words:  # the most frequent first
        if word in lexemes:
            head.setdefault(lexemes[word], counts[word])
    words = [w for w in words if w in lexemes and counts[w] >= FORMS * head[lexemes[w]]]
    related = (
        related_lexemes(words, lexemes, encoder.encode_documents(words))
        if words
        else {}
    )
    rows = [
        RelatedLexeme(lexeme=lexeme, related=other, similarity=cosine)
        for lexeme, near in related.items()
        for other, cosine in near.items()
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:  # two builds write in turn, the last wins
            cursor.execute(_TURN_SQL)
        RelatedLexeme.objects.all().delete()
        RelatedLexeme.objects.bulk_create(rows, batch_size=5000)
        Word.objects.all().delete()
        Word.objects.bulk_create(spelled, batch_size=5000)
        RelatedWordsBuild.objects.all().delete()
        build = RelatedWordsBuild.objects.create(
            model=encoder.model_identity(),
            words=len(words),
            documents=_documents(),
            built_at=timezone.now(),
        )
    log.info(
        "related words: %d pairs from %d words in %.1fs",
        len(rows),
        len(words),
        time.perf_counter() - started,
    )
    return build


def latest_build() -> RelatedWordsBuild | None:
    return RelatedWordsBuild.objects.order_by("-built_at").first()


def _documents() -> int:
    """The lexical index's movies (its Corpus row, kept by triggers)."""
    corpus = Corpus.objects.filter(pk=1).first()
    return corpus.documents if corpus else 0


def related_words_due(build: RelatedWordsBuild | None = None) -> bool:
    """Whether the related lexemes (`build`: the latest_build(), read when not
    given) are missing, made by another model, or from a catalogue GROWTH smaller
    or larger (small reads, no model loaded)."""
    build = build or latest_build()
    documents = _documents()
    if build is None:
        return documents > 0
    if build.model != encoder.model_identity():
        return True
    return abs(documents - build.documents) > GROWTH * max(build.documents, 1)
