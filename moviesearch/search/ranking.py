"""Keyword, semantic and hybrid ranking over any filtered movie queryset.

- keyword: BM25 over the lexical index (moviesearch.search.lexical);
- semantic: cosine to the story-first vector (moviesearch.search.vectors);
- hybrid: a convex fusion of the two (BM25 scaled to its best, plus cosine) whose
  weights depend on how much of the query names people, genres or a decade (names
  want the lexical side, descriptions the vector), plus a boost for the movies
  carrying the people, genres, keywords or decade the query names (search.entities),
  sized by the share of the query the names each movie carries explain, so "movie
  directed by X" lists X's films first while a long description stays ranked by
  what it describes; an exact title outranks all. `manage.py evaluate` measures
  each family of queries."""

import re
from dataclasses import dataclass, field, replace

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Lower, Upper
from pgvector.django import CosineDistance

from moviesearch.catalogue import catalogue
from moviesearch.embeddings.models import Fact
from moviesearch.search import entities, spelling
from moviesearch.search.acronyms import acronym_titles
from moviesearch.search.fame import fame_order, fame_shares, well_known
from moviesearch.search.framing import liked_title
from moviesearch.search.lexical import (
    FILLER,
    bm25_of,
    bm25_scores,
    matches_anything,
)
from moviesearch.search.people import person_credits
from moviesearch.search.series import nth_in_series
from moviesearch.search.vectors import (
    PendingVector,
    exact_order,
    query_vector_soon,
    stored_vectors,
    vector_scan,
)

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 60
WINDOW = 100  # candidates taken from each ranking before fusion (similar movies)
# Hybrid search takes fewer from each side for a first page. With 50 instead of 100,
# `evaluate` at depth 10 gave the same nDCG@10 and Recall@10 on every family (929
# held-out queries), and in process a hybrid request took 40.5 instead of 43.2 ms
# (median of four alternating runs of 80 queries, 2-core Xeon). Deeper pages take
# as many as they show.
HYBRID_WINDOW = 50
# Convex fusion weight of the lexical side: LEXICAL_BASE for a pure description,
# rising by LEXICAL_FOR_NAMES as recognised names explain more of the query.
LEXICAL_BASE = 0.3
LEXICAL_FOR_NAMES = 0.4
# Boost of a movie carrying what the query names, times the square of the share of
# the query's words the names explain: 1.0 puts them above every other movie when
# the query is only names; in a long description a recognised keyword only helps.
ENTITY_BOOST = 1.0
# The films of a query that only names people, genres, a keyword, a decade or a
# language, in the order of entity_ranked (the best known first).
BY_FAME = 1.0
# A by-fame list's films score BY_FAME + FAME_SPAN (the best known) down to
# BY_FAME, plus their entity boost and TIE times their fused score: all of them
# "strong" (≥ STRONG_SHARE of the best), every other film under them.
FAME_SPAN = 0.5
TIE = 0.01
# A short query (at most SHORT_FOR_FAME content words) that names no list: each
# film gains FAME_PRIOR times its fame's share of the best known candidate's (log
# scale), so among films it fits alike the better known come first.
SHORT_FOR_FAME = 2
FAME_PRIOR = 0.2
# A misspelled title, times its similarity (≥ 0.4).
TITLE_BOOST = 2.0
# An exact title outranks all, the best-known film of such a list too ("a chorus
# line" is the film before the films tagged "chorus line").
EXACT_TITLE_BOOST = 1.0 + ENTITY_BOOST + BY_FAME
MIN_DIRECTED = 2  # films directed for a surname alone to mean the director (_main_role)
# A movie scoring under this share of the best one is "loosely related" (shown
# apart). Chosen from `evaluate` data: on 536 held-out queries of every family, no
# relevant film in a hybrid top 10 scored under 0.63 of the best (the lowest share
# per family 0.64-1.0), so cutting there lost 0.000 nDCG@10 everywhere, while the
# films after a director's or a title's own score ~0.3-0.45 of the best.
STRONG_SHARE = 0.6


@dataclass
class Ranked:
    ids: list[int]
    scores: dict[int, float]
    found: entities.Entities | None = None
    named: set[int] = field(default_factory=set)
    # The movies that match strongly; the others are "loosely related" (None: all).
    strong: set[int] | None = None


def _sorted(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda pk: (-scores[pk], pk))


def keyword_ranked(queryset, text: str, limit: int) -> Ranked:
    """BM25, with a movie whose exact title the query is first, and the films of the
    people the query names as typed (a full name, or a surname: "Hitchcock films")
    raised by the best score times the share of the query the names explain, squared
    (as hybrid's entity boost). Misspelled names are hybrid's business: keyword mode
    matches the names typed. A misspelled word (search.spelling) is read as the word
    meant, for BM25 and the exact title."""
    # A title typed as one word is that title, no misspelled name or word
    # ("antman" is Ant-Man, not Robert Altman; "xmen" X-Men, not "men").
    joined = joined_titles(queryset, text)
    found = entities.Entities() if joined else entities.recognise(text)
    read = spelling.corrected(text, found.spelled)  # "lawer" read as "lawyer"
    exact = exact_titles(queryset, read) or nth_in_series(queryset, read)
    if not joined and not exact:
        # "ironman 2" is Iron Man 2, "xmen apocalypse" no "men".
        joined, written = apart_titles(queryset, text, found)
        if joined:
            found, read = entities.Entities(), written
    if not joined and not exact and (found.unknown or found.rare):
        joined, written, spelled = acronym_titles(queryset, text, found)  # "lotr"
        if joined:
            found, read = entities.Entities(spelled=spelled), written
    corrected = {r.person_id for r in found.resolutions if r.how != "surname"}
    # What this mode used, for the page's reasons and `understood` (explain would
    # otherwise recognise the query again): the people named as typed.
    used = replace(
        found,
        people={k: v for k, v in found.people.items() if k not in corrected},
        resolutions=[r for r in found.resolutions if r.how == "surname"],
    )
    named = []
    if used.people or used.studios:  # BM25 does not read studios: "pixar movies"
        literal = entities.Entities(
            people=used.people,
            studios=used.studios,
            role=found.role,
            years=found.years,
            order=found.order,
        )
        named = entity_ranked(queryset, literal, limit)
    scores = bm25_scores(queryset, read, limit, also=named)
    top = max(scores.values(), default=0.0) or 1.0
    for i, pk in enumerate(named):  # ties in the list's order (best known first)
        boost = top * found.share**2 * (1 + TIE * (1 - i / len(named)))
        scores[pk] = scores.get(pk, 0.0) + boost
    for pk in dict.fromkeys([*exact, *joined]):
        scores[pk] = scores.get(pk, 0.0) + top + 1.0
    return Ranked(_sorted(scores)[:limit], scores, used, set(named))


def semantic_ranked(queryset, vector, limit: int, *, ef_search=None) -> Ranked:
    with vector_scan(queryset, limit, ef_search=ef_search) as exact:
        rows = list(
            queryset.filter(embedding__isnull=False)
            .annotate(distance=CosineDistance("embedding", vector))
            .order_by(exact_order(F("distance")) if exact else "distance")
            .values_list("pk", "distance")[:limit]
        )
    rows.sort(key=lambda row: row[1])  # relaxed_order may return near-sorted rows
    return Ranked([pk for pk, _ in rows], {pk: 1.0 - float(d) for pk, d in rows})


def cosines(vector, stored: dict) -> dict[int, float]:
    """Cosine similarity to the vector of movies' stored vectors (stored_vectors():
    by primary key, the caller having drawn them from its filtered queryset, read in
    binary: in process at 12k, 85 lexical candidates took 1.1 ms so against 2.1 ms
    as SQL distances, p50 of 60 queries, the same values to 1e-7)."""
    import numpy as np

    if not stored:
        return {}
    matrix = np.stack(list(stored.values()))
    query = np.asarray(vector, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(query))
    sims = matrix @ query / np.where(norms > 0, norms, 1.0)
    return {pk: float(sim) for pk, sim in zip(stored, sims, strict=True)}


PEOPLE = ["director", "cast"]  # the roles of a person's facts


def _carrying(names, roles):
    """The ids of the movies that have any of these names in any of these roles."""
    return Fact.objects.filter(name__in=list(names), role__in=roles).values("movie_id")


def entity_ranked(
    queryset, found: entities.Entities, limit: int, candidates=()
) -> list[int]:
    """Movies carrying the named people (else the named genres and keywords) of the
    named decade: the candidates among them first, then those of all the people
    named, then the most famous."""
    spec = catalogue()
    if found.years and spec.year:
        first, last = found.years
        queryset = queryset.filter(
            **{f"{spec.year}__gte": first, f"{spec.year}__lte": last}
        )
    if found.languages and spec.language:
        queryset = queryset.filter(**{f"{spec.language}__in": found.languages})
    match = Q()  # only a decade, unless people, genres or keywords are named too
    for genre in found.genres:  # all of them: "romantic comedy", "kubrick horror"
        match &= Q(pk__in=_carrying([genre], ["genre"]))
    together = Q()  # several people: the films they share first
    if found.people:
        roles = [found.role] if found.role else PEOPLE
        match &= Q(pk__in=_carrying(found.people, roles))
        for person in found.people if len(found.people) > 1 else ():
            together &= Q(pk__in=_carrying([person], roles))
    elif found.keywords:
        match &= Q(pk__in=_carrying(found.keywords, ["keyword"]))
    if found.studios:  # any of them: "disney" is Walt Disney Pictures, Disney Channel…
        match &= Q(pk__in=_carrying(found.studio_names, ["studio"]))
    # Two plain queries: ordered by popularity alone, the planner can walk that
    # index and stop after `limit` (a genre and a decade match tens of thousands
    # at a million movies: sorting them all took 0.2-0.6 s).
    order = [*fame_order(spec), "pk"]
    # "the new tarantino movie", "the latest pixar film"
    if found.order and (found.people or found.studios) and spec.year:
        year = F(spec.year)
        newest = found.order == "newest"
        order.insert(0, year.desc(nulls_last=True) if newest else year.asc())
    matching = queryset.filter(match)
    first = []
    if candidates:
        first = list(
            matching.filter(pk__in=list(candidates))
            .order_by(*order)
            .values_list("pk", flat=True)
        )
    shared = []
    if together:
        shared = list(
            matching.filter(together)
            .order_by(*order)
            .values_list("pk", flat=True)[:limit]
        )
    rest = matching.order_by(*order).values_list("pk", flat=True)
    ids = dict.fromkeys([*first, *shared, *rest[: limit + len(first)]])
    return list(ids)[: limit + len(candidates) + len(shared)]


# An article a visitor leaves out of a title or puts before it ("godfather" is The
# Godfather, "matrix" The Matrix).
TITLE_ARTICLES = ("the", "a", "an")


def exact_titles(queryset, text: str) -> list[int]:
    """Movies whose title (or original title) is exactly the query (the
    UPPER(title) indexes); else, with an article put before the query or left out
    of it, well-known ones (fame.well_known: "godfather" is The Godfather, but
    "comedy" is no The Comedy)."""
    text, spec = " ".join(text.split()).upper(), catalogue()
    if not spec.titles or not text:
        return []
    first, _, rest = text.partition(" ")
    forms = {text} | {f"{a.upper()} {text}" for a in TITLE_ARTICLES}
    if first.casefold() in TITLE_ARTICLES and rest:
        forms.add(rest)
    upper = sorted(forms)
    match = Q()
    for i, name in enumerate(spec.titles):
        queryset = queryset.alias(**{f"_exact{i}": Upper(name)})
        match |= Q(**{f"_exact{i}__in": upper})
    fame = [spec.popularity] if spec.popularity else []
    rows = list(
        queryset.filter(match)
        .order_by(*fame_order(spec), "pk")
        .values_list("pk", *fame, *spec.titles)[:100]
    )
    names = len(spec.titles)
    typed = [row[0] for row in rows if text in {str(n).upper() for n in row[-names:]}]
    if typed or not rows or not fame:
        return typed
    best = rows[0]  # the best known of the titles so written
    return (
        [row[0] for row in rows] if well_known(queryset.model, fame[0], best[1]) else []
    )


# The marks a title may join its parts with where a visitor types a one-word query
# ("ironman" is Iron Man, "xmen" X-Men, "walle" and "wall-e" WALL·E): a space, a
# hyphen, a middle dot, an apostrophe, a full stop or a colon.
JOINERS = ("", " ", "-", "·", "'", ".", ". ", ": ")
JOINED_LENGTH = (3, 24)  # letters and digits of a word to try


def joined_titles(queryset, text: str) -> list[int]:
    """Movies whose title (or original title) is the one-word query written with a
    space or a mark inside it, but not as typed (exact_titles has those):
    "ironman" Iron Man, "xmen" X-Men, "antman" Ant-Man, "wall-e" WALL·E; and,
    for a word in no movie's text, with "The" before it too: "lionking" The Lion
    King, "ateam" The A-Team ("comedy", a word, is not The Comedy). One statement
    on the UPPER(title) indexes: every way of splitting the word once."""
    word, titles = text.strip().casefold(), catalogue().titles
    plain = "".join(ch for ch in word if ch.isalnum())
    low, high = JOINED_LENGTH
    if not titles or len(word.split()) != 1 or not low <= len(plain) <= high:
        return []
    forms = {plain} | {
        plain[:i] + joiner + plain[i:]
        for i in range(1, len(plain))
        for joiner in JOINERS
    }
    forms |= {"the " + form for form in forms}
    forms.discard(word)
    upper = sorted(form.upper() for form in forms)
    match = Q()
    for i, name in enumerate(titles):
        queryset = queryset.alias(**{f"_joined{i}": Upper(name)})
        match |= Q(**{f"_joined{i}__in": upper})
    rows = list(queryset.filter(match).values_list("pk", *titles)[:100])
    joined = [row[0] for row in rows if _without_the(row[1:], upper)]
    if joined or not rows or matches_anything(plain):
        return joined
    return [row[0] for row in rows]


def _without_the(names, forms) -> bool:
    """Whether one of a movie's titles is one of these forms without "The"."""
    upper = [str(name).upper() for name in names]
    return any(name in forms and not name.startswith("THE ") for name in upper)


# A query with an unknown word this similar (pg_trgm similarity, whole strings) to
# a title is taken for that title misspelled: "interstelar" to "interstellar",
# "inceptoin" to "inception" (0.43), "the matirx" to "the matrix" (0.47); a
# description is far from every title.
NEAR_TITLE_SIMILARITY = 0.4
NEAR_TITLES = 3


def near_titles(queryset, text: str) -> dict[int, float]:
    """Movies whose title the query may be a misspelling of, with the similarity,
    the most similar first (the lower(title) trigram index answers `%`). Ask only
    for a query with a word in no movie's text (Entities.unknown): a description
    is no title."""
    from django.contrib.postgres.search import TrigramSimilarity

    title = catalogue().title
    typed = " ".join(text.split()).casefold()
    if not title or len(typed) < 4:
        return {}
    return dict(
        queryset.annotate(near=Lower(title))
        .filter(near__trigram_similar=typed)
        .annotate(similar=TrigramSimilarity(Lower(title), typed))
        .filter(similar__gte=NEAR_TITLE_SIMILARITY)
        .order_by("-similar", *fame_order(catalogue()), "pk")
        .values_list("pk", "similar")[:NEAR_TITLES]
    )


def same_word_titles(queryset, text: str) -> list[int]:
    """Movies whose title is the query's very words, punctuation aside ("it s a
    disaster": It's a Disaster; pg_trgm similarity ≥ 0.99)."""
    return [pk for pk, sim in near_titles(queryset, text).items() if sim >= 0.99]


# A query of at most this many words may be a title with some of its words typed
# as one ("ironman 2", "xmen apocalypse", "the lionking").
APART_WORDS = 6


def apart_titles(
    queryset, text: str, found: entities.Entities, near: dict | None = None
) -> tuple[list, str]:
    """Movies whose title is the query with words typed as one written apart
    ("ironman 2": Iron Man 2, "xmen apocalypse": X-Men: Apocalypse, "the
    lionking": The Lion King), and the query so written ("iron man 2"), among
    the titles nearest it (`near`: near_titles(), asked here when None); only
    for a query _apart_asked() of."""
    if not _apart_asked(text, found):
        return [], text
    near = near_titles(queryset, text) if near is None else near
    names = _titles_of(queryset, near)
    words = _plain(text).split()
    apart = [pk for pk in near if _joined(words, _plain(names.get(pk, "")).split())]
    return (apart, _plain(names[apart[0]])) if apart else ([], text)


def _apart_asked(text: str, found: entities.Entities) -> bool:
    """Whether the query may be a title with words typed as one: 2 to APART_WORDS
    words, one of which, read as no name, no movie's text has or only a movie or
    two's (Entities.rare: "ironman" is in one overview)."""
    odd = (found.unknown | found.rare) - found.covered
    return bool(odd) and 2 <= len(_plain(text).split()) <= APART_WORDS


def _titles_of(queryset, ids) -> dict[int, str]:
    """The titles of these movies, by id."""
    if not ids:
        return {}
    title = catalogue().title
    return dict(queryset.filter(pk__in=list(ids)).values_list("pk", title))


def _joined(words: list[str], parts: list[str]) -> bool:
    """Whether the words are the parts, some of them run together (["ironman",
    "2"] and ["iron", "man", "2"]), and not the parts themselves."""
    rest = iter(parts)
    for word in words:
        joined = ""
        while len(joined) < len(word):
            joined += next(rest, word)  # past the last part: no match
        if joined != word:
            return False
    return next(rest, None) is None and len(parts) > len(words)


def _typo_titles(queryset, text: str, near: dict[int, float]) -> dict[int, float]:
    """Those of the `near` titles the query is one typo from (optimal string
    alignment, rapidfuzz; lower case, punctuation left out)."""
    from rapidfuzz.distance import OSA

    typed = _plain(text)
    names = _titles_of(queryset, near)
    kept = {pk for pk, name in names.items() if OSA.distance(typed, _plain(name)) <= 1}
    return {pk: sim for pk, sim in near.items() if pk in kept}


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", str(text).casefold()).split())


def fuse(rankings: list[tuple[Ranked, float]]) -> Ranked:
    """Weighted Reciprocal Rank Fusion."""
    scores: dict[int, float] = {}
    for ranked, weight in rankings:
        for rank, pk in enumerate(ranked.ids, start=1):
            scores[pk] = scores.get(pk, 0.0) + weight / (RRF_K + rank)
    ids = sorted(scores, key=lambda pk: -scores[pk])
    return Ranked(ids, scores)


def rank(queryset, text: str, mode: str, depth: int) -> Ranked:
    """Rank movies for a query; depth is how many results the caller may page to.
    `strong` holds the movies scoring at least STRONG_SHARE of the best."""
    ranked = _rank(queryset, text, mode, depth)
    if ranked.ids:
        best = ranked.scores[ranked.ids[0]]
        ranked.strong = {
            pk for pk in ranked.ids if ranked.scores[pk] >= STRONG_SHARE * best
        }
    return ranked


def _rank(queryset, text: str, mode: str, depth: int) -> Ranked:
    window = max(HYBRID_WINDOW, depth)
    acclaimed = _acclaimed(queryset, text, depth)
    if acclaimed is not None:  # "best movies": no words to match
        return acclaimed
    if mode == "keyword":
        return keyword_ranked(queryset, text, depth)
    liked = _liked(queryset, text, depth) if mode == "hybrid" else None
    if liked is not None:  # no query vector needed
        return liked
    vector = query_vector_soon(text)  # encoded while the lexical side is asked
    if mode == "semantic":
        # A misspelled word ("lawer") is read as the word meant, the vector of the
        # text so corrected; not a misspelled name ("christopher nlan" is no
        # "plan": recognise leaves the words a name took), asked only then.
        # A title with words typed as one ("xmen apocalypse") is read apart, and
        # "xmen" is no "men". A title typed as its initials ("lotr") is written
        # out.
        joined = joined_titles(queryset, text)
        odd = entities.unknown(text) if not joined else []
        found = entities.recognise(text) if odd and spelling.corrections(odd) else None
        spelled = found.spelled if found is not None else {}
        apart, written = apart_titles(queryset, text, found) if spelled else ([], "")
        if apart:
            found, spelled, text = None, {}, written
            vector = query_vector_soon(text)
        elif odd:
            words = found or entities.Entities(unknown=frozenset(odd))
            apart, written, initials = acronym_titles(queryset, text, words)
            if apart:
                found, spelled, text = entities.Entities(spelled=initials), {}, written
                vector = query_vector_soon(text)
        if spelled:
            text = spelling.corrected(text, spelled)
            vector = query_vector_soon(text)
        # Nearest vectors exist for any text, nonsense too: a query none of whose
        # words (or names) the catalogue knows has no results; each of its words is
        # unknown, so it may be a misspelled title.
        if not (
            joined
            or apart
            or matches_anything(text)
            or exact_titles(queryset, text)
            or near_titles(queryset, text)
            or entities.recognise(text)
        ):
            return Ranked([], {})
        ranked = semantic_ranked(queryset, vector.result(), depth)
        # What was read, for the page's reasons (the names the corrected query
        # holds) and `corrected`; this mode claims no person (`understood`).
        written_out = found is not None and found.spelled
        ranked.found = replace(found, resolutions=[]) if written_out else None
        return ranked
    return hybrid_ranked(queryset, text, vector, window)


# A query of nothing but words that ask for the best films (entities.ACCLAIM: "best
# movies", "top rated films", "greatest movies of all time", "good movies to
# watch") lists the best known, as an empty one does, within the filters.
ACCLAIM_ALSO = {"all", "time", "ever", "made", "must", "see", "rated", "ranked", "most"}


def _acclaimed(queryset, text: str, depth: int) -> Ranked | None:
    """The best known films (the declared popularity), for a query of nothing but
    ACCLAIM words and framing; None for any other query, or one that is a title."""
    words = [w.casefold() for w in re.findall(r"\w+", text)]
    if not entities.ACCLAIM.intersection(words):
        return None
    framing = entities.ACCLAIM | ACCLAIM_ALSO | FILLER | entities.STOPWORDS
    spec = catalogue()
    if any(w not in framing for w in words) or not spec.popularity:
        return None
    if exact_titles(queryset, text):  # "The Best", "Popular"
        return None
    ids = list(
        queryset.order_by(*fame_order(spec), "pk").values_list("pk", flat=True)[:depth]
    )
    return Ranked(ids, {pk: 1.0 - i / (2 * len(ids)) for i, pk in enumerate(ids)})


def _liked(queryset, text: str, depth: int) -> Ranked | None:
    """For "movies like <a title>" (the title exact, the query itself no title:
    "Like Crazy" is one): that film, then the films like it (similar_ranked), all
    within the visitor's filters."""
    title = liked_title(text)
    if not title or exact_titles(queryset.model.objects.all(), text):
        return None
    seeds = exact_titles(queryset.model.objects.all(), title)
    if not seeds:  # "movies like interstelar"
        fixed = spelling.corrected(title, entities.misspelled(title))
        seeds = (
            exact_titles(queryset.model.objects.all(), fixed) if fixed != title else []
        )
    if not seeds:
        return None
    movie = (
        queryset.model.objects.filter(pk__in=seeds)
        .order_by(*fame_order(catalogue()), "pk")
        .first()
    )
    similar = similar_ranked(queryset, movie, depth)
    others = [pk for pk in similar.ids if pk != movie.pk]
    top = max((similar.scores[pk] for pk in others), default=1.0) or 1.0
    # The film named first, the others below it by their share of the best.
    scores = {pk: 0.999 * similar.scores[pk] / top for pk in others}
    if queryset.filter(pk=movie.pk).exists():
        scores[movie.pk] = 1.0
    return Ranked(_sorted(scores)[:depth], scores)


def hybrid_ranked(queryset, text: str, pending: PendingVector, window: int) -> Ranked:
    """Convex fusion of BM25 and cosine over both sides' candidates, with entity and
    exact-title boosts (see the module docstring). The query's vector is encoded
    while the names and titles it holds are looked up."""
    # A title typed as one word ("ironman", "xmen", "wall-e") is that title, no
    # misspelled name or word ("antman" is Ant-Man, not Robert Altman).
    joined = joined_titles(queryset, text)
    found = entities.Entities() if joined else entities.recognise(text)
    famous = []  # titles listed best known first
    # A misspelled word ("lawer") is read as the word meant: by the titles, BM25
    # and the vector, encoded again from the text so corrected.
    read = spelling.corrected(text, found.spelled)
    # An exact title outranks all ("the godfahter" read as The Godfather); a
    # misspelled one by its similarity, the most similar first, unless the query
    # is all a person's name ("christopher nlan", "hitchcok"; a title is then no
    # misspelled person: "jurasic park"). Where the corrected words name a genre,
    # a keyword or a person, only a title the whole query is a typo from ("the
    # dark hors" is The Dark Hours, "horor movies" no Home Movie).
    titles = dict.fromkeys([*exact_titles(queryset, read), *joined], 1.0)
    if not titles:  # "harry potter 3": the series' third film, as an exact title
        titles = dict.fromkeys(nth_in_series(queryset, read), 1.0)
    misspelled_title = found.unknown and not (found.people and found.share >= 1.0)
    if not titles and (misspelled_title or _apart_asked(text, found)):
        # The titles nearest the query, asked once for both readings. A title with
        # words typed as one ("ironman 2", "xmen apocalypse"): no misspelled word
        # ("xmen" is no "men") or name; BM25 and the vector read the words apart.
        near = near_titles(queryset, text)
        apart, written = apart_titles(queryset, text, found, near)
        if apart:
            titles, read, found = (
                dict.fromkeys(apart, 1.0),
                written,
                entities.Entities(),
            )
    if not titles and (found.unknown or found.rare):
        # A title typed as its initials ("lotr", "potc"): those films first, BM25
        # and the vector read the title written out, and the page says so.
        short, written, spelled = acronym_titles(queryset, text, found)
        if short:
            titles, read = dict.fromkeys(short, 1.0), written
            found = entities.Entities(spelled=spelled)
            # The initials alone: the best known first ("lotr": The Fellowship
            # of the Ring before the 1978 The Lord of the Rings).
            famous = short if len(_plain(text).split()) == 1 else []
    exact = bool(titles)
    if not titles and misspelled_title:
        titles = near
        if found.spelled:
            titles = _typo_titles(queryset, text, titles)
        if titles:
            found = entities.Entities(spelled=found.spelled)
    if not titles and found.resolutions and len(read.split()) > 1:
        # A title of the query's very words, punctuation aside, is no surname's:
        # "mr smith goes to washington" is the film, not Denzel Washington's.
        same = same_word_titles(queryset, read)
        if same:
            titles, exact = dict.fromkeys(same, 1.0), True
            found = entities.Entities(spelled=found.spelled)
    if read != text:
        pending = query_vector_soon(read)
    # BM25's best and their stored vectors need no query vector: asked while it is
    # encoded (at 12k, ~3 of a hybrid search's ~9 ms of SQL), unless it is cached.
    early = None if pending.ready else bm25_scores(queryset, read, window)
    stored = stored_vectors([*(early or ()), *titles])
    vector = pending.result()
    semantic = semantic_ranked(queryset, vector, window)
    # A query that is nothing but people's names ("tom hanks", "movie directed by
    # Christopher Nolan", "kubrick horror") or genres, a keyword and a decade ("90s
    # action movies", "zombie movies"): neither the vector nor BM25 knows which of
    # their films a visitor means first, so the best known come first
    # (entity_ranked's order). People without "by" or "starring" in the role they
    # have the most credits in ("tom hanks": his acted films; "Hitchcock films":
    # his directed ones).
    by_fame = _only_names(found) and bool(catalogue().popularity)
    if by_fame and not found.people and not exact:
        # A title of the query's very words, punctuation aside, is the query's:
        # "friendship" is the film Friendship! before the films tagged so, "it s a
        # disaster" It's a Disaster before the films tagged "disaster".
        same = same_word_titles(queryset, read)
        titles, exact = dict.fromkeys(same, 1.0), bool(same)
    if by_fame and not found.people and _franchise(queryset, found):
        # "star wars movies" are not the War films tagged "star": words read as
        # two names that a well-known title says together are read as words
        # (and the better known first: FAME_PRIOR).
        found, by_fame = entities.Entities(content=found.content), False
    if by_fame:
        role = found.role or (_main_role(found) if found.people else None)
        named = entity_ranked(queryset, replace(found, role=role), window)
    else:
        named = (
            entity_ranked(queryset, found, window, candidates=semantic.ids)
            if found
            else []
        )
    explained = _explained(found, named)
    if by_fame:
        named.sort(key=lambda pk: -explained[pk])  # all the names, then some
    lexical = _lexical(queryset, read, window, early, also=[*semantic.ids, *named])
    if not lexical and not named and not titles:
        # Nothing the query says is among these movies: no results, unless filters
        # narrowed them and the catalogue knows the words (semantic mode's rule),
        # where the nearest in meaning are what the visitor asked for.
        if not (queryset.query.has_filters() and matches_anything(read)):
            return Ranked([], {}, found)
    pool = {*semantic.scores, *lexical, *named, *titles}
    cosine = dict(semantic.scores)
    wanted = pool - cosine.keys()
    stored.update(stored_vectors(wanted - stored.keys()))
    cosine.update(cosines(vector, {pk: stored[pk] for pk in wanted if pk in stored}))
    top = max(lexical.values(), default=0.0) or 1.0
    # Names want the lexical side; keywords name themes, which the vector reads as
    # well ("movie about a group of tourists who meet Nazi zombies" is a story).
    w_lex = LEXICAL_BASE + LEXICAL_FOR_NAMES * (found.share_with(()) if found else 0.0)
    scores = {
        pk: w_lex * lexical.get(pk, 0.0) / top + (1 - w_lex) * cosine.get(pk, 0.0)
        for pk in pool
    }
    if not (by_fame or found.people or found.role) and (
        len(found.content) <= SHORT_FOR_FAME
    ):
        # A short query naming no list ("batman movies", "rocky movies"): among
        # films it fits alike, the better known first.
        for pk, share in fame_shares(queryset, pool).items():
            scores[pk] += FAME_PRIOR * share
    if by_fame:
        # In the list's order: BM25 and the vector only break ties ("japanese
        # films": an overview that says "Japanese" is no better known).
        _listed(scores, named, BY_FAME)
    _listed(scores, famous)
    for pk, share in explained.items():
        scores[pk] += ENTITY_BOOST * share**2
    for pk, similar in titles.items():
        scores[pk] += EXACT_TITLE_BOOST if exact else TITLE_BOOST * similar
    return Ranked(_sorted(scores), scores, found, set(named))


def _franchise(queryset, found: entities.Entities) -> bool:
    """Whether the query's content words, read as two names or more (genres and
    keywords: "star wars" the keyword "star" and the genre War), are a phrase of a
    well-known film's title (fame.well_known; the lower(title) trigram index
    answers LIKE)."""
    spec = catalogue()
    names = len(found.genres) + len(found.keywords)
    if names < 2 or len(found.content) < 2 or not spec.title or not spec.popularity:
        return False
    phrase = " ".join(found.content)
    best = (
        queryset.model._default_manager.annotate(_t=Lower(spec.title))
        .filter(_t__contains=phrase)
        .order_by(*fame_order(spec), "pk")
        .values_list(spec.popularity, flat=True)
        .first()
    )
    return best is not None and well_known(queryset.model, spec.popularity, best)


def _listed(scores: dict[int, float], ids: list[int], base: float = 0.0) -> None:
    """Score these movies in their list's order, base + FAME_SPAN (the first) down
    to base, their fused score only breaking ties."""
    for i, pk in enumerate(ids):
        scores[pk] = TIE * scores[pk] + base + FAME_SPAN * (1 - i / len(ids))


def _lexical(queryset, text: str, limit: int, early: dict | None, *, also) -> dict:
    """bm25_scores(queryset, text, limit, also=also), from `early` (its result
    without `also`, asked before `also` was known; None: not asked): the `also`
    movies it lacks scored by primary key, then the same cut (the best `limit`,
    and `also`), so a search gives the same movies whether its vector was cached
    or not (a page and the next agree)."""
    if early is None:
        return bm25_scores(queryset, text, limit, also=also)
    scores = {**early, **bm25_of(text, set(also) - early.keys())}
    kept = {*_sorted(scores)[:limit], *also}
    return {pk: score for pk, score in scores.items() if pk in kept}


def _main_role(found: entities.Entities) -> str:
    """The role ("director" or "cast") a query naming people without "by" or
    "starring" means: for a surname alone, "director" if they directed a few films
    ("Hitchcock films", "Eastwood films": film talk names auteurs so); for a full
    name, the role they have the most credits in, a film directed counting twice
    (as people.resolve weighs them: "tom hanks" is his acting)."""
    credits = person_credits(found.people).values()
    directed, acted = sum(d for d, _ in credits), sum(a for _, a in credits)
    if any(r.how == "surname" for r in found.resolutions):
        return "director" if directed >= MIN_DIRECTED else "cast"
    return "director" if 2 * directed >= acted else "cast"


def _only_names(found: entities.Entities) -> bool:
    """The names explain the whole query: people with any genres, a decade and a
    language ("tom hanks", "kubrick horror"), or genres, a keyword, a decade and a
    language ("90s action movies", "zombie movies", "french films"); entity_ranked
    lists a person's films, not a keyword's, so not people and keywords."""
    return bool(found and found.share >= 1.0 and not (found.people and found.keywords))


def _explained(found: entities.Entities, named: list[int]) -> dict[int, float]:
    """The share of the query each named movie explains: the query's whole share,
    but where keywords were recognised, only those the movie carries count ("a
    group of tourists who meet Nazi zombies": a film tagged "group" alone
    explains one word of seven, one tagged "zombie", "nazi" and "tourist" four),
    and where several people were, only those it has ("leonardo dicaprio and kate
    winslet": Titanic explains all of it, Inception half)."""
    people = found.people if len(found.people) > 1 else {}
    if not named:
        return {}
    if not found.keywords and not people:
        return dict.fromkeys(named, found.share)
    carried: dict[int, set[int]] = {pk: set() for pk in named}
    for movie_id, name_id in Fact.objects.filter(
        movie_id__in=named, name__in=[*found.keywords, *people]
    ).values_list("movie_id", "name_id"):
        carried[movie_id].add(name_id)
    words = {pk: found.person_words(pk) for pk in people}
    shares = {}
    for pk in named:
        has = carried[pk] & words.keys()
        lacking = set().union(*(words[p] for p in words.keys() - has))
        lacking -= set().union(*(words[p] for p in has))
        keywords = carried[pk] & found.keywords.keys()
        shares[pk] = found.share_with(keywords, lacking=lacking)
    return shares


def similar_ranked(queryset, movie, depth: int) -> Ranked:
    """Movies like this one: its vector neighbours fused with the movies sharing
    its people and genres (vectors alone rarely know who directed what)."""
    shared = shared_facts_ranked(queryset, movie, max(WINDOW, depth))
    if movie.embedding is None:
        return shared
    neighbours = semantic_ranked(queryset, movie.embedding, max(WINDOW, depth))
    return fuse([(neighbours, 1.0), (shared, 1.0)])


def shared_facts_ranked(queryset, movie, limit: int) -> Ranked:
    """Movies sharing people (weighted 3) and genres with this one."""
    mine = Fact.objects.filter(movie_id=movie.pk)
    people = list(mine.filter(role__in=PEOPLE).values_list("name_id", flat=True))
    genres = list(mine.filter(role="genre").values_list("name_id", flat=True))

    def shared(names, roles):
        found = (
            Fact.objects.filter(movie_id=OuterRef("pk"), name__in=names, role__in=roles)
            .values("movie_id")
            .annotate(n=Count("name_id", distinct=True))
            .values("n")
        )
        return Coalesce(Subquery(found), 0)

    rows = list(
        queryset.filter(
            Q(pk__in=_carrying(people, PEOPLE)) | Q(pk__in=_carrying(genres, ["genre"]))
        )
        .annotate(shared=shared(people, PEOPLE) * 3 + shared(genres, ["genre"]))
        .order_by("-shared", *fame_order(catalogue()), "pk")
        .values_list("pk", "shared")[:limit]
    )
    top = max((s for _, s in rows), default=1) or 1
    return Ranked([pk for pk, _ in rows], {pk: s / top for pk, s in rows})
