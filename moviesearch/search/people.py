"""Resolve people a query names only in part: a surname alone ("Hitchcock films")
or a misspelled name ("Christopher Nlan"), by edit distance (fuzzystrmatch,
rapidfuzz) or trigram similarity (pg_trgm; the name_person_trgm index on
lower(name)), the most prominent person first. People are the plugin's names of kind
"person" (moviesearch.embeddings.models.Name), credited by the facts the declaration
reads (Fact, roles director and cast)."""

import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models.functions import Lower
from rapidfuzz.distance import OSA

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.embeddings.models import Fact, Lexeme, Name
from moviesearch.sql import trigram_threshold, with_tables

# A misspelled pair of words must be this similar (pg_trgm similarity) to a whole
# name: less when one of them is in no movie's text (surely misspelled), more when
# both are words the catalogue knows ("Peter Winter" for Peter Winters); a single
# unknown word this word-similar to one of a name's words. Two swapped letters in a
# short name score ~0.5 ("jonh woo"); "time travel" against "Tim Travers" 0.47.
NAME_SIMILARITY = 0.5
KNOWN_NAME_SIMILARITY = 0.6
WORD_SIMILARITY = 0.6
# Lower-case words that start a surname ("del Toro", "Van Sant"): never a surname.
PARTICLES = {"de", "del", "della", "der", "den", "di", "da", "du", "van", "von", "le"}
# A word is read as a surname when the credits of the people bearing it are at least
# this share of the movies whose text has the word ("Nolan": nearly all; "love":
# a few credits against hundreds of overviews).
SURNAME_SHARE = 0.3
MIN_CREDITS = 2  # a person assumed from a partial name has at least this many
# A word this few movies' texts have, typed after a first name, is a name of its
# own ("aaron sorkin": one film's text says "Sorkin").
RARE_WORD = 2
SHORT_QUERY = 4  # content words; a longer query names a surname only with a cue
ALTERNATIVES = 3
# What marks a word of a longer query as a person's name (_cued).
HINTS = {
    "by", "directed", "director", "filmmaker", "starring", "stars", "with",
    "featuring", "actor", "actress",
}  # fmt: skip
FILM_WORDS = {"film", "films", "movie", "movies", "picture", "pictures", "flick"}
# A possessive ending a word ("hitchcock's", "coens'", "nolan's.").
POSSESSIVE = re.compile(r"['’]s?$|['’]s(?=\.$)")
PUNCTUATION = ',;:!?()"“”'  # around a word of the query
# A word that can be (part of) a name: letters, hyphenated or with an apostrophe
# inside ("prince-bythewood", "o'brien").
NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class Resolution:
    """A name the query did not spell out in full, and whom it was taken to mean."""

    typed: str
    person_id: int
    name: str
    how: str  # "surname" or "misspelling"
    others: tuple[tuple[int, str], ...] = ()  # others it could have meant


# Whether the word is a stop word of the text search (no lexeme), and how many
# movies' texts have it, from the counts the triggers keep: a hyphenated name
# ("prince-bythewood") is the compound and its parts, and counts as its rarest
# lexeme when every one is known (a movie with "prince" alone does not have it),
# else as 0.
_DF_SQL = """
SELECT w, cardinality(l.lexemes) = 0, (SELECT coalesce(
             CASE WHEN count(*) = cardinality(l.lexemes) THEN min(x.df) END, 0)
           FROM {lexeme} AS x WHERE x.lexeme = ANY(l.lexemes))
FROM unnest(%s::text[]) AS w,
     LATERAL (SELECT tsvector_to_array(to_tsvector('english', w)) AS lexemes) AS l
"""

_SURNAME_SQL = """
SELECT w, p.id, p.name,
       count(*) FILTER (WHERE c.role = 'director'),
       count(*) FILTER (WHERE c.role = 'cast'),
       lower(p.name) LIKE '%%' || w
FROM unnest(%s::text[]) AS w
JOIN {name} AS p ON lower(p.name) LIKE '%%' || w || '%%' AND p.kind = 'person'
JOIN {fact} AS c ON c.name_id = p.id AND c.role IN ('director', 'cast')
WHERE ' ' || lower(p.name) || ' ' LIKE '%% ' || w || ' %%'
GROUP BY w, p.id, p.name
"""

_FUZZY_SQL = """
SELECT g.typed, p.id, p.name, similarity(lower(p.name), g.typed) AS sim
FROM unnest(%s::text[], %s::float8[]) AS g(typed, least_sim)
JOIN {name} AS p ON lower(p.name) %% g.typed AND p.kind = 'person'
WHERE similarity(lower(p.name), g.typed) >= g.least_sim
UNION ALL
SELECT w.typed, p.id, p.name, word_similarity(w.typed, lower(p.name))
FROM unnest(%s::text[]) AS w(typed)
JOIN {name} AS p ON w.typed <%% lower(p.name) AND p.kind = 'person'
WHERE word_similarity(w.typed, lower(p.name)) >= %s
"""

# People whose whole name is within EDIT_DISTANCE edits (fuzzystrmatch's levenshtein:
# a letter dropped is 1, two swapped 2) of a span of the query holding an unknown
# word and a known word of the name ("sam mnedes" for Sam Mendes, "james l. brokos"
# for James L. Brooks), found through that known word (the trigram index answers
# LIKE). Trigram similarity misses them: two swapped letters break three trigrams,
# and "sam mnedes" is 0.47 similar to "sam mendes".
_EDITED_SQL = """
SELECT s.unknown, s.span, p.id, p.name,
       levenshtein_less_equal(lower(p.name), s.span, %s) AS edits
FROM unnest(%s::text[], %s::text[], %s::text[]) AS s(unknown, anchor, span)
JOIN {name} AS p ON lower(p.name) LIKE '%%' || s.anchor || '%%' AND p.kind = 'person'
WHERE levenshtein_less_equal(lower(p.name), s.span, %s) <= %s
"""
EDIT_DISTANCE = 2
EDIT_SPAN = 4  # words: "paul thomas anedrson", "gil ctaes jr."

# People whose surname (the last word of the name) is near an unknown word (the
# trigram index answers `<%` under a threshold lowered for the statement:
# moviesearch.sql.trigram_threshold); _typo_surnames keeps those one typo away.
_TYPO_SQL = """
SELECT w.typed, p.id, p.name, split_part(lower(p.name), ' ', -1)
FROM unnest(%s::text[]) AS w(typed)
JOIN {name} AS p ON w.typed <%% lower(p.name) AND p.kind = 'person'
WHERE levenshtein_less_equal(w.typed, split_part(lower(p.name), ' ', -1), 2) <= 2
"""
TYPO_WORD_SIMILARITY = 0.3

_CREDITS_SQL = """
SELECT name_id, count(*) FILTER (WHERE role = 'director'),
       count(*) FILTER (WHERE role = 'cast')
FROM {fact} WHERE name_id = ANY(%s) GROUP BY name_id
"""


def person_credits(ids) -> dict[int, tuple[int, int]]:
    """(films directed, films acted in) of these people, by id."""
    return {pk: (d, a) for pk, d, a in _fetch(_CREDITS_SQL, [list(ids)])}


def _prominence(directed: int, acted: int, role: str | None) -> int:
    if role == "director":
        return directed * 100 + acted
    if role == "cast":
        return acted * 100 + directed
    return directed * 2 + acted


def _fetch(sql: str, params: list) -> list:
    sql = with_tables(sql, lexeme=Lexeme, name=Name, fact=Fact)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _best(candidates, role, typed, how) -> Resolution | None:
    """The most prominent of (id, name, directed, acted) candidates, if any has
    enough credits; the others with enough credits as alternatives."""
    ranked = sorted(
        (c for c in candidates if c[2] + c[3] >= MIN_CREDITS),
        key=lambda c: (-_prominence(c[2], c[3], role), c[1]),
    )
    if not ranked:
        return None
    pk, name = ranked[0][:2]
    others = tuple((c[0], c[1]) for c in ranked[1 : 1 + ALTERNATIVES])
    return Resolution(typed, pk, name, how, others)


def word_counts(words: list[str]) -> tuple[set[str], dict[str, int]]:
    """The text search's stop words among these (lower-cased) words, and how many
    movies' texts have each word (_DF_SQL)."""
    rows = _fetch(_DF_SQL, [words]) if words else []
    return {w for w, is_stop, _ in rows if is_stop}, {w: n for w, _, n in rows}


def unknown_words(words: list[str], stop: set[str], df: dict) -> list[str]:
    """Words of four letters or more that no movie's text has and that are no stop
    word: misspellings, most likely ("interstelar", "nlan")."""
    return [w for w in words if df.get(w, 0) == 0 and len(w) >= 4 and w not in stop]


def resolve(
    words: list[str],
    *,
    role: str | None,
    text: str,
    stop: set[str],
    df: dict,
    spelled=None,
) -> list[Resolution]:
    """People meant by these content words (lower-cased, in query order) that named
    nobody in full: misspelled names first, then surnames. `stop` and `df` are
    word_counts() of (at least) these words; `spelled`, the unknown words a typo
    from a catalogue word, with that word and its movies (search.spelling.meant):
    a name's word merely similar to them is not taken for theirs ("lawer" is
    "lawyer", not Jennifer Lawrence), nor a surname a typo from them that is rarer
    than the word ("acton" is "action", not Hoyt Axton: _typo_surnames); a span of
    a name still is ("christopher nlan")."""
    spelled = spelled or {}
    words = [w for w in words if NAME_WORD.fullmatch(w) and len(w) >= 3]
    if not words:
        return []
    # The text search's stop words ("them", "were", "other") have no lexeme, so no
    # movie's text has them; they are no misspelled names ("Charlize Theron" for
    # "them"), and a surname ("films by Most") only in a short query.
    capitalised = {w.casefold() for w in text.split()[1:] if w[:1].isupper()}
    short = len(words) <= SHORT_QUERY
    cued = _cued(text)
    unknown = unknown_words(words, stop, df)
    found = _edited(words, unknown, text, role)
    found += _typo_surnames(
        [w for w in unknown if (short or w in cued) and w not in _typed(found)],
        role,
        spelled,
    )
    found += _misspellings(
        words,
        df,
        role,
        named=short or capitalised,
        stop=stop,
        alone=short or cued,
        taken=_typed(found) | set(spelled),
    )
    # The words as the catalogue spells them: "harry poter" is Harry Potter's.
    fixed = [spelled[w][0] if w in spelled else w for w in words]
    if found and short:
        found = _not_named_phrases(found, fixed)
    taken = _typed(found)
    surnames = [
        w
        for w in words
        if w not in taken
        and w not in PARTICLES
        and (short or (w in cued and w not in stop))
    ]
    read = []
    if surnames:
        tokens, content = _tokens(text), set(words) - stop
        following = dict(zip(tokens, tokens[1:], strict=False))
        following = {a: b for a, b in following.items() if b in content}
        read = _surnames(surnames, df, role, following, set(unknown))
    if read and short:  # asked only when a surname was read: rarely
        phrased = _in_named_phrases(fixed)
        read = [r for r in read if r.typed not in phrased]
    if read:
        read = [_with_particle(r, tokens) for r in read]
    found += read
    seen, out = set(), []
    for resolution in found:
        if resolution.person_id not in seen:
            seen.add(resolution.person_id)
            out.append(resolution)
    return out


def _tokens(text: str) -> list[str]:
    """The query's words in lower case, stop words included, without punctuation
    or a possessive."""
    return [POSSESSIVE.sub("", t.strip(PUNCTUATION).casefold()) for t in text.split()]


def _with_particle(resolution: Resolution, words: list[str]) -> Resolution:
    """A surname with the particle typed before it (`words`: the query's, stop
    words included) that the name has before it ("de niro": Robert De Niro, "del
    toro", "van damme"): both words are the name's, so "de niro movies" is all a
    name's."""
    typed = resolution.typed
    at = words.index(typed) if typed in words else 0
    if at and words[at - 1] in PARTICLES:
        both = f"{words[at - 1]} {typed}"
        if both in " ".join(resolution.name.casefold().split()):
            return replace(resolution, typed=both)
    return resolution


# Whether a pair of words is a catalogue keyword or part of a title, one SELECT a
# pair in one statement; each pattern a constant, so the lower(title) trigram index
# answers its LIKE '%…%' (a pattern read from a column is checked against every
# title: 7 ms at 12k).
_NAMED_PHRASE_SQL = """
SELECT %s
WHERE EXISTS (SELECT 1 FROM {name} WHERE kind = 'keyword' AND lower(name) = %s)
   OR EXISTS (SELECT 1 FROM {movie} WHERE lower({title}) LIKE %s)
"""


def _in_named_phrases(words: list[str]) -> set[str]:
    """Words that, with the word beside them, make a catalogue keyword or part of a
    title: "harry potter" is no film of Sally Potter's, "james bond" none of Kevin
    James's, "indiana jones" none of Tommy Lee Jones's. (A whole person's name is
    found before any surname is looked for.)"""
    pairs = sorted(
        {
            " ".join(words[i : i + 2])
            for i in range(len(words) - 1)
            if not PARTICLES.intersection(words[i : i + 2])  # "del toro" is a surname
        }
    )
    title = catalogue().title
    if not pairs or not title:
        return set()
    model = movie_model()
    if "__" in title:  # a related model's title: by the ORM, a pair at a time
        named = set(
            Name.objects.filter(kind=Name.Kind.KEYWORD)
            .annotate(key=Lower("name"))
            .filter(key__in=pairs)
            .values_list("key", flat=True)
        )
        movies = model.objects.annotate(near=Lower(title))
        named |= {p for p in pairs if movies.filter(near__contains=p).exists()}
    else:
        column = connection.ops.quote_name(model._meta.get_field(title).column)
        one = with_tables(_NAMED_PHRASE_SQL, movie=model).replace("{title}", column)
        params = []
        for pair in pairs:
            like = pair.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [pair, pair, f"%{like}%"]
        sql = " UNION ALL ".join([one] * len(pairs))
        named = {row[0] for row in _fetch(sql, params)}
    return {w for pair in named for w in pair.split()}


def _not_named_phrases(found: list[Resolution], words: list[str]) -> list:
    """Drop a misspelled word read as a surname when the surname, with the word
    beside it, makes a keyword or part of a title: "harry poter" is Harry Potter
    misspelled, not a film of Sally Potter's (as _in_named_phrases for a surname
    typed right)."""
    fixed = {}
    for r in found:
        if r.how == "misspelling" and " " not in r.typed:
            parts = r.name.casefold().split()
            fixed[r.typed] = min(parts, key=lambda p: OSA.distance(p, r.typed))
    if not fixed:
        return found
    phrased = _in_named_phrases([fixed.get(w, w) for w in words])
    return [r for r in found if fixed.get(r.typed) not in phrased]


def _cued(text: str) -> set[str]:
    """Words (lower-cased) a longer query marks as a person's: after "by", "with",
    "starring"… or before "film", "movie" or a possessive ("the Nolan film where",
    "a thriller starring hanks"). A capitalised word elsewhere in a description
    is more often a character or a place ("who searches for Taylor")."""
    tokens = [t.strip("." + PUNCTUATION).casefold() for t in text.split()]
    cued = set()
    for i, token in enumerate(tokens):
        word = POSSESSIVE.sub("", token)
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (i and tokens[i - 1] in HINTS) or after in FILM_WORDS or word != token:
            cued.add(word)
    return cued


def fold(text: str) -> str:
    """Lower case without accents: "cuarón" is "cuaron", "iñárritu" "inarritu"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# The words of people's names written with accents, by their form without them,
# kept ACCENTED_SECONDS per process: a visitor types "cuaron", "inarritu".
_ACCENTED_SQL = """
SELECT DISTINCT word FROM (
  SELECT regexp_split_to_table(lower(name), '\\s+') AS word FROM {name}
  WHERE kind = 'person' AND name !~ '^[[:ascii:]]*$'
) AS words
WHERE word !~ '^[[:ascii:]]*$'
"""
ACCENTED_SECONDS = 600.0
_accented_cache: dict[str, tuple[float, dict[str, set[str]]]] = {}


def _accented() -> dict[str, set[str]]:
    key = connection.settings_dict["NAME"]
    hit = _accented_cache.get(key)
    if hit and time.monotonic() - hit[0] < ACCENTED_SECONDS:
        return hit[1]
    forms: dict[str, set[str]] = defaultdict(set)
    for (word,) in _fetch(_ACCENTED_SQL, []):
        forms[fold(word)].add(word)
    _accented_cache[key] = (time.monotonic(), dict(forms))
    return _accented_cache[key][1]


def _surnames(
    words: list[str], df: dict, role, following=None, unknown=frozenset()
) -> list[Resolution]:
    """The most prominent person whose surname each word is, where the people
    bearing it (as any of their names) are credited often enough against the
    movies whose text has it. `following` maps a word to the query's next content
    word: a word borne mostly as a first name, typed before a word that no movie
    has (of `unknown`), or RARE_WORD movies at most, or that is someone's
    surname, is the first name of a person the catalogue does not credit ("aaron
    sorkin": not Caroline Aaron)."""
    following = following or {}
    # A word typed without the accents of a surname is that surname ("cuaron").
    written = {v: w for w in words for v in _accented().get(w, ()) if v != w}
    asked = sorted({*words, *written, *(following[w] for w in words if w in following)})
    rows = _fetch(_SURNAME_SQL, [asked])
    rows = [(written.get(row[0], row[0]), *row[1:]) for row in rows]
    surnames = {w for w, *_, last in rows if last}
    out = []
    for word in words:
        # The credits of everyone bearing the word as a name ("cameron": James
        # Cameron's, and Cameron Diaz's, whose films' texts hold it too); the
        # person is one whose surname it is.
        credits = sum(d + a for w, _, _, d, a, _ in rows if w == word)
        people = [
            (pk, name, d, a) for w, pk, name, d, a, last in rows if w == word and last
        ]
        nxt = following.get(word)
        if (
            nxt
            and (nxt in unknown or nxt in surnames or 0 < df.get(nxt, 0) <= RARE_WORD)
            and 2 * sum(d + a for _, _, d, a in people) < credits
        ):
            continue
        if people and credits >= SURNAME_SHARE * max(df.get(word, 0), 1):
            best = _best(people, role, word, "surname")
            if best:
                out.append(best)
    return out


def _typed(resolutions) -> set[str]:
    """The words of the query these resolutions took."""
    return {w for r in resolutions for w in r.typed.split()}


def _spans(tokens: list[str], at: int, anchors: set[str]):
    """(anchor, span) for the spans of 2 to EDIT_SPAN tokens around tokens[at] that
    hold a known word of the query (an anchor)."""
    for length in range(2, EDIT_SPAN + 1):
        for start in range(max(0, at - length + 1), min(at, len(tokens) - length) + 1):
            span = tokens[start : start + length]
            for anchor in anchors.intersection(span):
                yield anchor, " ".join(span)


def _edited(words: list[str], unknown: list[str], text: str, role) -> list[Resolution]:
    """People whose name is a span of the query with its unknown word mistyped (see
    _EDITED_SQL): the fewest edits, then the most prominent."""
    if not unknown:
        return []
    tokens = _tokens(text)
    anchors = {w for w in words if w not in unknown and w not in FILM_WORDS}
    anchors -= HINTS | PARTICLES
    rows = []
    for at, token in enumerate(tokens):
        if token in unknown:
            rows += [(token, a, s) for a, s in _spans(tokens, at, anchors)]
    if not rows:
        return []
    typed, known, spans = map(list, zip(*set(rows), strict=True))
    found = _fetch(
        _EDITED_SQL, [EDIT_DISTANCE, typed, known, spans, EDIT_DISTANCE, EDIT_DISTANCE]
    )
    if not found:
        return []
    credits = person_credits({r[2] for r in found})
    out = []
    for word in dict.fromkeys(r[0] for r in found):
        matches = [r for r in found if r[0] == word]
        fewest = min(r[4] for r in matches)
        near = {
            pk: (pk, name, *credits.get(pk, (0, 0)))
            for _, _, pk, name, edits in matches
            if edits == fewest
        }
        spans = [r[1] for r in matches if r[4] == fewest]
        best = _best(list(near.values()), role, max(spans, key=len), "misspelling")
        if best and not _typed([best]) & _typed(out):
            out.append(best)
    return out


def _typo_surnames(words: list[str], role, spelled=None) -> list[Resolution]:
    """People whose surname is one typo (a letter dropped, added or changed, or two
    adjacent letters swapped: optimal string alignment distance 1, rapidfuzz) from
    an unknown word alone ("kubirck", "nolna", "scorcese"), the most prominent."""
    if not words:
        return []
    setting = "pg_trgm.word_similarity_threshold"
    with trigram_threshold(setting, TYPO_WORD_SIMILARITY) as cursor:
        cursor.execute(with_tables(_TYPO_SQL, name=Name), [words])
        rows = cursor.fetchall()
    rows = [r for r in rows if OSA.distance(fold(r[0]), fold(r[3])) <= 1]
    if not rows:
        return []
    credits = person_credits({r[1] for r in rows})
    # As for surnames typed right: a surname that is mostly a word ("zombei" is
    # one typo from Rob Zombie, and from the zombies of hundreds of overviews) is
    # no person's.
    _, df = word_counts(list({r[3] for r in rows}))
    bearing = defaultdict(int)
    for _, pk, _, surname in rows:
        bearing[surname] += sum(credits.get(pk, (0, 0)))
    out = []
    for word in words:
        near = [
            (pk, name, *credits.get(pk, (0, 0)))
            for w, pk, name, surname in rows
            if w == word
            and bearing[surname] >= SURNAME_SHARE * max(df.get(surname, 0), 1)
            and _rarer_than(word, surname, bearing[surname], spelled or {})
        ]
        # Typed without its accents, a surname is typed right ("inarritu").
        plain = any(w == word and fold(w) == fold(last) for w, _, _, last in rows)
        best = _best(near, role, word, "surname" if plain else "misspelling")
        if best:
            out.append(best)
    return out


def _rarer_than(word: str, surname: str, credits: int, spelled: dict) -> bool:
    """Whether a typo of `word` reads as this surname rather than as the catalogue
    word it is a typo of (`spelled`: search.spelling.meant), by the surname rule:
    the credits of the people bearing it are at least SURNAME_SHARE of the movies
    whose text has the word ("acton": Hoyt Axton's 4 credits against the 2,654
    movies saying "action")."""
    if word not in spelled or spelled[word][0] == surname:
        return True
    return credits >= SURNAME_SHARE * spelled[word][1]


def _misspellings(
    words: list[str], df: dict, role, *, named, stop, alone, taken=frozenset()
) -> list[Resolution]:
    """Pairs of adjacent words matched to whole names by trigram similarity (pairs
    of known words only when `named`: a short query, or capitalised words), and
    unknown single words (in no movie's text, and no stop word; in a longer query
    only when `alone` marks them as a name: "the hitchcok movie where", not a
    character's "Enid") to one word of a name."""
    unknown = [w for w in unknown_words(words, stop, df) if w not in taken]
    singles = [w for w in unknown if alone is True or w in alone]
    grams: dict[str, float] = {}
    for a, b in zip(words, words[1:], strict=False):
        if {a, b} & taken:
            continue
        if a in unknown or b in unknown:
            grams[f"{a} {b}"] = NAME_SIMILARITY
        elif named is True or (named and {a, b} <= named):
            grams[f"{a} {b}"] = KNOWN_NAME_SIMILARITY
    if not grams and not singles:
        return []
    rows = _fetch(
        _FUZZY_SQL,
        [list(grams), list(grams.values()), singles, WORD_SIMILARITY],
    )
    if not rows:
        return []
    credits = person_credits({r[1] for r in rows})
    out = []
    for typed in [*grams, *singles]:
        matches = [r for r in rows if r[0] == typed]
        if not matches or set(typed.split()) & _typed(out):
            continue
        top = max(r[3] for r in matches)
        # Among the most similar names (within 0.05), the most prominent.
        near = [
            (pk, name, *credits.get(pk, (0, 0)))
            for _, pk, name, sim in matches
            if sim >= top - 0.05
        ]
        best = _best(near, role, typed, "misspelling")
        if best:
            out.append(best)
    return out
