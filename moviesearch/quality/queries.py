"""Evaluation and training queries generated from the catalogue's own facts.

Each query names one entity (a person, a genre, a keyword, a title) and its relevant
set is every film carrying that entity; the visitor-style families (a surname, a
misspelled name, a pasted overview, a Wikipedia plot clause) are made in
moviesearch.quality.visitor_queries. The train / held-out split is BY ENTITY: a
held-out person, genre or keyword appears in no training query of any family, so a
fine-tuned model is measured on names and themes it never saw. Everything is
deterministic for a given seed and catalogue."""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.embeddings.models import Fact
from moviesearch.quality.wikipedia import wikipedia_rows

FAMILIES = (
    "director",
    "director_paraphrase",
    "cast",
    "genre",
    "keyword",
    "decade_genre",
    "title",
    "surname",
    "misspelled",
    "overview",
    "plot",
    "plot_misspelled",
)
# Made from Wikipedia text: measured, never trained on (issue 13).
EVALUATION_ONLY = ("plot", "plot_misspelled")
SPLITS = ("train", "heldout", "all")
HELDOUT_FRACTION = 0.2
# Minimum films per entity, for a catalogue of FULL_SIZE films or more; a smaller
# catalogue scales them down (never below 2).
FULL_SIZE = 10_000
MIN_FILMS = {"director": 2, "cast": 3, "genre": 20, "keyword": 10, "decade_genre": 10}
TOP_BILLED = 3
# TMDB keywords that describe the production, not what a film is about.
META_KEYWORDS = {
    "duringcreditsstinger", "aftercreditsstinger", "woman director",
    "independent film", "3d", "sequel", "remake", "based on novel",
}  # fmt: skip


@dataclass(frozen=True)
class EvalQuery:
    query: str
    family: str
    relevant: tuple[int, ...]  # movie ids, sorted
    split: str  # "train", "heldout", "judged" or "file"
    entity: str = ""  # what the split is made by, e.g. "person:12" (a Name id)


def _order(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\x00{key}".encode()).hexdigest()


def heldout_entities(keys, *, seed: int, fraction: float = HELDOUT_FRACTION) -> set:
    """A seeded, reproducible `fraction` of the keys (at least one, never all, when
    there are two or more)."""
    ranked = sorted(set(keys), key=lambda k: _order(seed, k))
    n = round(len(ranked) * fraction)
    if len(ranked) >= 2:
        n = min(max(n, 1), len(ranked) - 1)
    return set(ranked[:n])


def normalise_title(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.casefold()))


@dataclass
class _Facts:
    count: int
    years: dict
    titles: dict
    names: dict  # person (Name id) → name
    directed: dict
    starred: dict
    top_billed: dict
    genres: dict  # genre name → movie ids
    keywords: dict
    overviews: dict

    def credited(self) -> dict:
        """Movie id → the names of its directors and cast."""
        found = defaultdict(set)
        for people in (self.directed, self.starred):
            for person, films in people.items():
                for pk in films:
                    found[pk].add(self.names[person])
        return found


def columns(movies, *paths):
    """(pk, the value at each ORM path) per movie; None for an empty path."""
    used = [path for path in paths if path]
    for pk, *found in movies.values_list("pk", *used):
        values = iter(found)
        yield pk, *(next(values) if path else None for path in paths)


def catalogue_facts(movies) -> _Facts:
    """What queries are made of: the declaration's title, year and summary, and
    the names (moviesearch.embeddings Fact) of `movies`."""
    spec = catalogue()
    ids = list(movies.values_list("pk", flat=True))
    years, titles, overviews = {}, {}, {}
    for pk, year, title, overview in columns(
        movies, spec.year, spec.title, spec.summary
    ):
        years[pk], titles[pk], overviews[pk] = year, title, overview
    names, directed = {}, defaultdict(set)
    starred, top_billed = defaultdict(set), defaultdict(set)
    genres, keywords = defaultdict(set), defaultdict(set)
    facts = (
        Fact.objects.filter(movie__in=ids)
        .order_by("movie", "role", "position")
        .values_list("movie_id", "name_id", "name__name", "role", "position")
    )
    for movie, person, name, role, position in facts:
        if role == "genre":
            genres[name].add(movie)
        elif role == "keyword":
            keywords[name].add(movie)
        elif role in ("director", "cast"):
            names[person] = name
            if role == "director":
                directed[person].add(movie)
            else:
                starred[person].add(movie)
                if position < TOP_BILLED:  # billing order
                    top_billed[person].add(movie)
    return _Facts(
        len(ids),
        years,
        titles,
        names,
        directed,
        starred,
        top_billed,
        genres,
        keywords,
        overviews,
    )


def _candidates(f: _Facts, *, seed: int, wikipedia=None):
    """(family, entity key, query text, relevant ids) for every qualifying entity;
    plot queries only from `wikipedia` rows."""
    # Imported here: moviesearch.quality.visitor_queries imports this module.
    from moviesearch.quality import visitor_queries as visitor

    scale = min(1.0, f.count / FULL_SIZE)
    least = {k: max(2, round(v * scale)) for k, v in MIN_FILMS.items()}
    for person, films in f.directed.items():
        if len(films) >= least["director"]:
            name, key = f.names[person], f"person:{person}"
            yield "director", key, f"movie directed by {name}", films
            yield "director_paraphrase", key, f"films by {name}", films
    for person, billed in f.top_billed.items():
        if len(billed) >= least["cast"]:
            name = f.names[person]
            yield (
                "cast",
                f"person:{person}",
                f"movies starring {name}",
                f.starred[person],
            )
    for genre, films in f.genres.items():
        key = f"genre:{genre}"
        if len(films) >= least["genre"]:
            yield "genre", key, f"{genre} movie with great story", films
        by_decade = defaultdict(set)
        for pk in films:
            if f.years[pk]:
                by_decade[f.years[pk] // 10 * 10].add(pk)
        for decade, in_decade in by_decade.items():
            if len(in_decade) >= least["decade_genre"]:
                text = f"{genre.lower()} movies from the {decade}s"
                yield "decade_genre", key, text, in_decade
    for keyword, films in f.keywords.items():
        if len(films) >= least["keyword"] and keyword.casefold() not in META_KEYWORDS:
            yield "keyword", f"keyword:{keyword}", f"movie about {keyword}", films
    by_title = defaultdict(set)
    for pk, title in f.titles.items():
        if normalise_title(title):
            by_title[normalise_title(title)].add(pk)
    for title, films in by_title.items():
        yield "title", f"title:{title}", title, films
    yield from visitor.surname_queries(f, least=least["director"], seed=seed)
    yield from visitor.misspelled_queries(f, least=least["director"], seed=seed)
    yield from visitor.overview_queries(f)
    if wikipedia is not None:
        yield from visitor.plot_queries(f, wikipedia, seed=seed)


def generate_queries(
    *,
    seed: int = 42,
    split: str = "all",
    limit_per_family: int | None = None,
    families=FAMILIES,
    heldout_fraction: float = HELDOUT_FRACTION,
    wikipedia=None,
) -> list[EvalQuery]:
    """Queries for the chosen split, at most `limit_per_family` of each family (a
    seeded sample), ordered by family then sample order. Plot queries (and
    plot_misspelled) need
    `wikipedia`, the path of the Wikipedia leads (quality.wikipedia); without it
    there are none. Their keys are title keys, so they never change the split."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown families: {', '.join(sorted(unknown))}")
    rows = None
    if wikipedia is not None and set(EVALUATION_ONLY) & set(families):
        rows = wikipedia_rows(wikipedia)
    facts = catalogue_facts(movie_model().objects.all())
    candidates = list(_candidates(facts, seed=seed, wikipedia=rows))
    kinds = defaultdict(set)  # one split per kind of entity, whatever the families
    for _, key, _, _ in candidates:
        kinds[key.split(":", 1)[0]].add(key)
    heldout = set().union(
        *(
            heldout_entities(k, seed=seed, fraction=heldout_fraction)
            for k in kinds.values()
        )
    )
    by_family = defaultdict(list)
    for family, key, text, films in candidates:
        where = "heldout" if key in heldout else "train"
        if family in families and split in ("all", where):
            by_family[family].append(
                EvalQuery(text, family, tuple(sorted(films)), where, key)
            )
    out = []
    for family in FAMILIES:
        chosen = sorted(
            by_family[family], key=lambda q: _order(seed, f"{q.family}\x00{q.query}")
        )
        out += chosen[:limit_per_family] if limit_per_family else chosen
    return out


def judged_queries() -> list[EvalQuery]:
    """Saved queries with at least one good judgment; relevant = the good movies."""
    from moviesearch.quality.models import Judgment

    good = defaultdict(set)
    texts = {}
    rows = Judgment.objects.filter(verdict=Judgment.Verdict.GOOD).values_list(
        "saved_query_id", "saved_query__text", "movie_id"
    )
    for pk, text, movie in rows:
        good[pk].add(movie)
        texts[pk] = text
    return [
        EvalQuery(texts[pk], "judged", tuple(sorted(good[pk])), "judged", f"saved:{pk}")
        for pk in sorted(good, key=lambda pk: texts[pk])
    ]


def read_queries_file(path) -> list[EvalQuery]:
    """JSON Lines of {"query": str, "relevant": [movie ids], "family": optional}, or
    "titles": [titles] instead of ids (every film of each title, case aside, is
    relevant: a file that travels between catalogues), or "studios": [names] (every
    film the declaration's `studio` facts credit to one of them); a query none of
    whose titles or studios the catalogue has is left out."""
    out = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = str(row["query"])
            if "titles" in row:
                relevant = _titled([str(title) for title in row["titles"]])
            elif "studios" in row:
                relevant = _made_by([str(name) for name in row["studios"]])
            else:
                relevant = [int(pk) for pk in row["relevant"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}, line {number}: {exc!r}") from None
        family = str(row.get("family") or "file")
        if relevant:
            out.append(EvalQuery(text, family, tuple(sorted(set(relevant))), "file"))
    return out


def _titled(titles: list[str]) -> list[int]:
    field = catalogue().title
    movies = movie_model()._default_manager.none()
    for title in titles:
        movies |= movie_model()._default_manager.filter(**{f"{field}__iexact": title})
    return list(movies.values_list("pk", flat=True))


def _made_by(names: list[str]) -> list[int]:
    facts = Fact.objects.filter(role="studio", name__name__in=names)
    return list(facts.values_list("movie_id", flat=True).distinct())
