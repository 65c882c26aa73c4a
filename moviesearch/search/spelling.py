"""A query's misspelled words ("lawer", "assasin", "girlfreind", "theif") read as
the catalogue's words a typo away: BM25 reads the word meant, the query's vector
is of the corrected text, and the visitor is told ("Showing results for “lawyer”
(you typed “lawer”)").

A word is taken for misspelled when no movie's text has it (search.people.
unknown_words: four letters or more, no stop word). Its candidates are the
vocabulary's words (embeddings.models.Word: the story words of the related words'
build) similar to it by pg_trgm (`%` on the word_trgm index, the threshold lowered
for the statement by moviesearch.sql.trigram_threshold: two swapped letters break
three trigrams, "theif" is 0.2 similar to "thief"), kept when one typo away (optimal
string alignment distance, rapidfuzz: a letter dropped, added or changed, or two
adjacent letters swapped). The most similar by Jaro-Winkler wins (it weighs a shared
beginning and forgives a swap: "lawer" is 0.96 similar to "lawyer", 0.89 to "later"
and "laser"), then the most common. Chosen on the catalogue's own text: with one
typo in the longest word of the first three sentences of each TMDB overview (as
evaluate's misspelled family makes them), 17,343 typed words were in no movie's text
and had a candidate; this read 16,950 of them as the word meant (97.7 %), against
16,455 taking the most similar trigrams and 16,638 the most common word. Two typos
were tried on the held-out plot clauses: they read "sexology" as "ecology",
"syncretic" as "synthetic" and "proprotion" as "promotion" as often as they found
the word meant. A word with no candidate stays as typed: "blorf" is two typos from
every word, and a query of nonsense still finds nothing."""

import re

from moviesearch.embeddings.models import Word
from moviesearch.sql import trigram_threshold, with_tables

SIMILARITY = 0.2  # pg_trgm similarity a candidate needs (the index's threshold)
TYPOS = 1  # optimal string alignment distance from the word meant
CANDIDATES = 50  # per word, the most similar first

_SQL = """
SELECT t.typed, c.word, c.movies
FROM unnest(%s::text[]) AS t(typed)
CROSS JOIN LATERAL (
  SELECT w.word, similarity(w.word, t.typed) AS sim, w.movies
  FROM {word} AS w
  WHERE w.word %% t.typed
  ORDER BY sim DESC, w.movies DESC
  LIMIT {candidates}
) AS c
"""


def corrections(words) -> dict[str, str]:
    """{typed word: the vocabulary word meant} for these unknown (lower-case) words
    that have one (see the module docstring)."""
    return {typed: word for typed, (word, _) in meant(words).items()}


def meant(words) -> dict[str, tuple[str, int]]:
    """corrections(), each word meant with the number of movies whose text has
    it."""
    from rapidfuzz.distance import OSA, JaroWinkler

    words = [w for w in dict.fromkeys(words) if w.isalpha()]
    if not words:
        return {}
    sql = with_tables(_SQL, word=Word).format(candidates=CANDIDATES)
    with trigram_threshold("pg_trgm.similarity_threshold", SIMILARITY) as cursor:
        cursor.execute(sql, [words])
        rows = cursor.fetchall()
    best: dict[str, tuple] = {}
    for typed, word, movies in rows:
        if word == typed or OSA.distance(typed, word, score_cutoff=TYPOS) > TYPOS:
            continue
        key = (-JaroWinkler.similarity(typed, word), -movies, word)
        if typed not in best or key < best[typed]:
            best[typed] = key
    return {t: (best[t][2], -best[t][1]) for t in words if t in best}  # as asked


def corrected(text: str, spelled: dict[str, str]) -> str:
    """The text with each misspelled word (as a whole word, any case) replaced by
    the word meant."""
    if not spelled:
        return text
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(w) for w in spelled) + r")\b", re.IGNORECASE
    )
    # Matched ignoring case, "THEİF" is no key as it casefolds: left as typed.
    return pattern.sub(lambda m: spelled.get(m.group(0).casefold(), m.group(0)), text)
