"""Training pairs that teach the dense model to find a film from its story told in
other words: an inverse cloze task over the catalogue's own summaries.

A story clause of a film's summary (names and title words removed, as the `plot`
family does to Wikipedia leads) is the query, and the film's dense document without
that sentence is the answer, so the model learns to match one part of a story to the
rest of it rather than to repeat words (one pair in KEEP_SENTENCE keeps the sentence,
so a pasted summary still finds its film). Only films of the training split make
pairs, and the text is the catalogue's own: Wikipedia never trains (issue 13)."""

import random

from moviesearch.quality.queries import catalogue_facts
from moviesearch.quality.wikipedia import first_names, sentences, story_clauses

STORY = "story"  # the training-only family these pairs make
KEEP_SENTENCE = 0.1


def story_pairs(movies, films, documents, *, seed: int = 42) -> list[tuple[str, str]]:
    """One (clause, document without its sentence) pair for each film of `films`
    (training-split movie ids) whose summary has two sentences or more and a story
    clause, in a seeded order."""
    facts = catalogue_facts(movies.filter(pk__in=films))
    credited = facts.credited()
    known_first = first_names(facts.names.values())
    rng = random.Random(seed)
    order = sorted(pk for pk in facts.overviews if pk in documents)
    rng.shuffle(order)
    pairs = []
    for pk in order:
        found = sentences(" ".join((facts.overviews[pk] or "").split()))
        if len(found) < 2:
            continue
        for sentence in rng.sample(found, len(found)):
            clauses = story_clauses(
                sentence,
                title=facts.titles[pk],
                names=credited[pk],
                known_first=known_first,
            )
            if not clauses:
                continue
            document = documents[pk]
            if rng.random() >= KEEP_SENTENCE:
                if sentence not in document:
                    break  # the document holds the summary otherwise: no pair
                document = " ".join(document.replace(sentence, " ", 1).split())
            pairs.append((rng.choice(clauses), document))
            break
    return pairs
