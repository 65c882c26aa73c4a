"""Visitor-style evaluation queries: a surname alone, a misspelled name, a pasted
overview, a plot clause from Wikipedia. Each generator yields (family, entity key,
query, relevant movie ids) like quality.queries' own, with the same entity keys
(person:<Name id>, title:<normalised title>), so the by-entity split covers them too.
Choices (framing, edit, clause) are seeded by the seed and the entity."""

import random
from collections import Counter, defaultdict

from moviesearch.quality.queries import normalise_title
from moviesearch.quality.wikipedia import first_names, story_clauses

SURNAME_FORMS = ("{} films", "movies by {}", "{} movies")
SURNAME_SHARE = 0.6
SURNAME_MIN_LETTERS = 3
# Lower-case words that belong to the surname after them: "del Toro", "Van Sant".
PARTICLES = {
    "de", "del", "della", "der", "den", "di", "da", "du", "dos", "das", "van", "von",
    "le", "la", "ter", "ten", "al", "el", "bin",
}  # fmt: skip
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
MISSPELL_MIN_LETTERS = 4
OVERVIEW_MIN_WORDS = 20


def _rng(seed: int, family: str, key) -> random.Random:
    return random.Random(f"{seed}\x00{family}\x00{key}")


def surname(name: str) -> str:
    """The family name: the last word (before a Jr./III suffix) with the particles
    before it ("del Toro", "De Palma"); a one-word name is its own surname."""
    words = name.split()
    if len(words) > 2 and words[-1].rstrip(".,").casefold() in SUFFIXES:
        words = words[:-1]
    start = len(words) - 1
    while start > 1 and words[start - 1].casefold() in PARTICLES:
        start -= 1
    return " ".join(words[start:]).rstrip(",")


def surname_queries(f, *, least: int, seed: int):
    """`<S> films`, `movies by <S>` or `<S> movies` (seeded) for each director of
    `least` films or more whose surname points clearly at them: a name of two
    words or more, a surname of SURNAME_MIN_LETTERS letters or more, and at least
    SURNAME_SHARE of the catalogue credits (films directed plus films acted in) of
    everyone with that surname, which also makes them the most prominent."""

    def credits(person):
        return len(f.directed.get(person, ())) + len(f.starred.get(person, ()))

    shared = Counter()
    for person, name in f.names.items():
        shared[surname(name).casefold()] += credits(person)
    for person, films in f.directed.items():
        name = f.names[person]
        last = surname(name)
        if (
            len(films) < least
            or len(name.split()) < 2
            or sum(c.isalpha() for c in last) < SURNAME_MIN_LETTERS
            or credits(person) < SURNAME_SHARE * shared[last.casefold()]
        ):
            continue
        form = _rng(seed, "surname", person).choice(SURNAME_FORMS)
        yield "surname", f"person:{person}", form.format(last), films


def misspell(name: str, *, rng: random.Random, taken=frozenset()) -> str | None:
    """`name` with one letter dropped or two adjacent, different letters swapped in
    its longest word (the first, if tied), never its first letter (visitors rarely
    get that wrong); `rng` picks the edit. None when the word has fewer than
    MISSPELL_MIN_LETTERS letters or every edit gives a name in `taken` (casefolded)."""
    words = name.split(" ")
    at = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[at]
    if sum(c.isalpha() for c in word) < MISSPELL_MIN_LETTERS:
        return None
    edits = [("drop", i) for i in range(1, len(word)) if word[i].isalpha()]
    edits += [
        ("swap", i)
        for i in range(1, len(word) - 1)
        if word[i].isalpha()
        and word[i + 1].isalpha()
        and word[i].casefold() != word[i + 1].casefold()
    ]
    rng.shuffle(edits)
    for kind, i in edits:
        if kind == "drop":
            edited = word[:i] + word[i + 1 :]
        else:
            edited = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        result = " ".join([*words[:at], edited, *words[at + 1 :]])
        if result.casefold() != name.casefold() and result.casefold() not in taken:
            return result
    return None


def misspelled_queries(f, *, least: int, seed: int):
    """`movie directed by <name>` misspelled (see `misspell`) for each director of
    `least` films or more; never another catalogue person's name."""
    taken = {name.casefold() for name in f.names.values()}
    for person, films in f.directed.items():
        if len(films) < least:
            continue
        rng = _rng(seed, "misspelled", person)
        wrong = misspell(f.names[person], rng=rng, taken=taken)
        if wrong:
            yield "misspelled", f"person:{person}", f"movie directed by {wrong}", films


def overview_queries(f):
    """A film's own overview (OVERVIEW_MIN_WORDS words or more) as the query, that
    film relevant; an overview two films share is left out as ambiguous."""
    texts = {pk: text.strip() for pk, text in f.overviews.items() if text}
    shared = Counter(texts.values())
    for pk, text in texts.items():
        title = normalise_title(f.titles[pk])
        if title and len(text.split()) >= OVERVIEW_MIN_WORDS and shared[text] == 1:
            yield "overview", f"title:{title}", text, {pk}


def plot_queries(f, rows, *, seed: int):
    """A story clause (quality.wikipedia.story_clauses, seeded choice) of the
    Wikipedia lead of each catalogue film matched by normalised title + year, one
    to one (a title and year that two films or two leads share is skipped); the
    names removed are the film's catalogue credits and the lead's own.
    EVALUATION ONLY: training never asks for this family."""
    catalogue = defaultdict(list)
    for pk, title in f.titles.items():
        if f.years.get(pk):
            catalogue[(normalise_title(title), f.years[pk])].append(pk)
    leads = defaultdict(list)
    for row in rows:
        key = (normalise_title(str(row.get("title") or "")), row.get("year"))
        if key in catalogue:
            leads[key].append(row)
    credited = f.credited()
    known_first = first_names(f.names.values())
    for key, found in leads.items():
        if len(found) != 1 or len(catalogue[key]) != 1 or not key[0]:
            continue
        (pk,), (row,) = catalogue[key], found
        names = {
            *credited[pk],
            *(str(n) for n in row.get("directors") or ()),
            *(str(n) for n in row.get("cast") or ()),
        }
        clauses = story_clauses(
            str(row.get("overview") or ""),
            title=f.titles[pk],
            names=names,
            known_first=known_first,
        )
        if clauses:
            clause = _rng(seed, "plot", pk).choice(clauses)
            yield "plot", f"title:{key[0]}", clause, {pk}
            wrong = misspell(clause, rng=_rng(seed, "plot_misspelled", pk))
            if wrong:
                yield "plot_misspelled", f"title:{key[0]}", wrong, {pk}
