"""Recognise the catalogue's people, genres and keywords (the plugin's names, read
through the declaration: moviesearch.embeddings.models.Name) named in a query, and a
decade ("1990s", "'90s"): full names, a surname alone ("Hitchcock films") and
misspelled names ("Christopher Nlan", by trigram similarity), each resolution that
was not literal recorded so the visitor is told what was assumed."""

import re
from dataclasses import dataclass, field, replace

from django.db.models import Q
from django.db.models.functions import Lower

from moviesearch.catalogue import catalogue
from moviesearch.embeddings.models import Fact, Name
from moviesearch.search import spelling
from moviesearch.search.lexical import FILLER
from moviesearch.search.people import (
    POSSESSIVE,
    SHORT_QUERY,
    Resolution,
    person_credits,
    resolve,
    unknown_words,
    word_counts,
)
from moviesearch.search.studios import MAX_PHRASE, Studios, named_studios

WORD = re.compile(r"[\w'’.-]+")
RARE = 2  # a word only this many movies' texts have is `rare`
DIRECTOR_HINTS = {"directed", "director", "directors", "by", "filmmaker"}
CAST_HINTS = {"starring", "stars", "star", "actor", "actress", "with", "featuring"}
# Words that ask for the best films and say nothing of which ("best movies", "top
# rated films", "greatest movies of all time"): with names they ask for the names'
# best known films; alone (search.ranking._acclaimed) for the catalogue's.
ACCLAIM = {
    "best", "top", "greatest", "popular", "famous", "good", "great", "favorite",
    "favourite", "acclaimed", "highest",
}  # fmt: skip
# A keyword that is a studio's word tagging at least this share of as many films
# as the studio made is the keyword ("castle": 30 films, Castle Rock's 68).
KEYWORD_SHARE = 0.25
STUDIO_OVER_PERSON = 5  # a name both a person's and a studio's: see _studio_not_person
RATED = {"rated", "ranked", "reviewed", "known"}
# "the new tarantino movie", "nolan's first film": a query that otherwise only names
# people asks for their films by release, the newest (or the earliest) first.
NEWEST = {"new", "newest", "latest", "recent", "last"}
OLDEST = {"first", "earliest", "oldest"}
# "1990s", "90s", "'90s" or "nineties"; a short form after a pronoun is an age
# ("a woman in her 30s", "in their late twenties").
DECADE = re.compile(
    r"\b(1[89]\d|20\d)0['’]?s\b|(?:\b|['’])(\d)0['’]?s\b"
    r"|\b(twent|thirt|fort|fift|sixt|sevent|eight|ninet)ies\b",
    re.I,
)
DECADE_WORDS = ("twent", "thirt", "fort", "fift", "sixt", "sevent", "eight", "ninet")
AGE = re.compile(
    r"\b(?:her|his|their|my|your|our)\s+(?:(?:early|mid|late)[\s-]+)?$", re.I
)
# What visitors type for a genre, by the genre's usual (TMDB) name: "scary movies",
# "animated films", "sci-fi", "a rom-com". A synonym counts only where the
# catalogue has a genre of that name.
GENRE_SYNONYMS = {
    "animated": ("animation",), "cartoon": ("animation",), "cartoons": ("animation",),
    "anime": ("animation",), "scary": ("horror",), "funny": ("comedy",),
    "comedies": ("comedy",), "comedic": ("comedy",), "hilarious": ("comedy",),
    "romantic": ("romance",), "rom-com": ("romance", "comedy"),
    "romcom": ("romance", "comedy"), "rom com": ("romance", "comedy"),
    "sci-fi": ("science fiction",), "scifi": ("science fiction",),
    "sci fi": ("science fiction",), "science-fiction": ("science fiction",),
    "historical": ("history",), "musical": ("music",), "musicals": ("music",),
    "documentaries": ("documentary",), "mysteries": ("mystery",),
    "fantasies": ("fantasy",), "for kids": ("family",), "for children": ("family",),
    "family-friendly": ("family",), "family friendly": ("family",),
}  # fmt: skip
# The original language a short query names ("french films", "korean thrillers"),
# by ISO 639-1 code as TMDB gives them ("cn" is its Cantonese); read only where the
# declaration names a language field.
LANGUAGES = {
    "english": ("en",), "french": ("fr",), "german": ("de",), "italian": ("it",),
    "spanish": ("es",), "mexican": ("es",), "portuguese": ("pt",),
    "brazilian": ("pt",), "japanese": ("ja",), "korean": ("ko",),
    "chinese": ("zh", "cn"), "cantonese": ("cn",), "mandarin": ("zh",),
    "hindi": ("hi",), "bollywood": ("hi",), "russian": ("ru",), "swedish": ("sv",),
    "danish": ("da",), "norwegian": ("no", "nb"), "dutch": ("nl",),
    "persian": ("fa",), "iranian": ("fa",), "turkish": ("tr",), "thai": ("th",),
    "polish": ("pl",), "greek": ("el",), "hebrew": ("he",), "israeli": ("he",),
    "arabic": ("ar",), "czech": ("cs",), "hungarian": ("hu",), "finnish": ("fi",),
    "icelandic": ("is",), "indonesian": ("id",), "tamil": ("ta",),
    "telugu": ("te",), "romanian": ("ro",),
}  # fmt: skip
# A film's year, 1870-2039, as a word of its own.
YEAR = re.compile(r"(?<![\w.,-])(?:18[7-9]\d|19\d\d|20[0-3]\d)(?![\w.,-])")
ARTICLES = {"a", "an", "the", "of", "and", "or", "in", "on"}
# Words that carry no content of their own (with FILLER): the share of a query that
# names explain is counted over the other words.
STOPWORDS = ARTICLES | {
    "from", "for", "to", "at", "is", "are", "was", "who", "whom", "which", "that",
    "this", "these", "those", "his", "her", "their", "its", "he", "she", "they",
    "it", "and", "but", "as", "into", "where", "when", "s", "t", "all", "any",
    "one", "ones", "something", "anything", "i", "want", "watch", "see", "by",
}  # fmt: skip


@dataclass
class Entities:
    people: dict[int, str] = field(default_factory=dict)
    genres: dict[int, str] = field(default_factory=dict)
    keywords: dict[int, str] = field(default_factory=dict)  # named after "about"
    # The studios a short query names ("pixar movies"), and the words for them.
    studios: Studios | None = None
    years: tuple[int, int] | None = None  # a decade: (1990, 1999)
    languages: tuple[str, ...] = ()  # "french films": ("fr",)
    role: str | None = None  # "director" or "cast" when the query says so
    # "newest" or "oldest": the named people's films by release (NEWEST, OLDEST).
    order: str | None = None
    resolutions: list[Resolution] = field(default_factory=list)
    # The content words, those the names other than keywords explain, and those
    # each keyword explains: a movie carrying some of the keywords explains
    # share_with(those) of the query.
    content: tuple[str, ...] = ()
    covered: frozenset[str] = frozenset()
    keyword_words: dict[int, frozenset[str]] = field(default_factory=dict)
    # Content words no movie's text has: misspelled, most likely ("interstelar").
    unknown: frozenset[str] = frozenset()
    # Content words of four letters or more that only a movie or two have: a
    # title's words typed as one ("ironman 2"), maybe (ranking.apart_titles).
    rare: frozenset[str] = frozenset()
    # Those of them read as a word of the catalogue (search.spelling: "lawer" →
    # "lawyer"), none a misspelled name.
    spelled: dict[str, str] = field(default_factory=dict)

    def person_words(self, person_id: int) -> frozenset[str]:
        """The query's words that name this person: the name's, or those typed for
        it (a surname, a misspelling)."""
        typed = [r.typed for r in self.resolutions if r.person_id == person_id]
        name = self.people.get(person_id, "")
        return frozenset(" ".join([name, *typed]).casefold().split())

    @property
    def studio_names(self) -> dict[int, str]:
        """{id: name} of the studios named; {} when none."""
        return self.studios.names if self.studios else {}

    def __bool__(self):
        return bool(
            self.people
            or self.genres
            or self.keywords
            or self.studios
            or self.years
            or self.languages
        )

    @property
    def share(self) -> float:
        """Share of the query's content words that the recognised names explain:
        1.0 for "movie directed by Christopher Nolan", small for a long
        description."""
        return self.share_with(self.keywords)

    def share_with(self, keyword_ids, *, lacking=frozenset()) -> float:
        """The share of the query explained by its other names and these of its
        keywords: a film carrying one generic keyword ("group") of a long
        description explains little of it, one carrying most of them much.
        `lacking`: the words of named people a film does not have ("tom hanks and
        meg ryan": a film of his alone explains half the names)."""
        if not self.content:
            return 1.0 if self else 0.0
        words = set(self.covered) - set(lacking)
        for pk in keyword_ids:
            words |= self.keyword_words.get(pk, frozenset())
        return sum(w in words for w in self.content) / len(self.content)


def _ngrams(words: list[str], low: int, high: int) -> set[str]:
    return {
        " ".join(words[i : i + n])
        for n in range(low, high + 1)
        for i in range(len(words) - n + 1)
    }


def decade(text: str) -> tuple[int, int] | None:
    """(first, last) year of a decade named like "1990s", "90s", "the '90s" or
    "the nineties"; "in her 30s" is an age."""
    for found in DECADE.finditer(text):
        if found.group(1):
            start = int(found.group(1)) * 10
        elif AGE.search(text[: found.start()]):
            continue
        elif found.group(2):
            digit = int(found.group(2))
            start = (2000 if digit < 2 else 1900) + digit * 10
        else:
            start = 1900 + 10 * (2 + DECADE_WORDS.index(found.group(3).casefold()))
        return start, start + 9
    return None


def _year(text: str, content: list[str]) -> tuple[int, int] | None:
    """A year in a short query (`content`: its _content words; "batman 1989",
    "horror movies 2016"): the films of that year. In a description a year is the
    story's ("in 1944, a soldier…")."""
    found = YEAR.search(text)
    if not found or len(content) > SHORT_QUERY:
        return None
    year = int(found.group(0))
    return year, year


def _content(words: list[str]) -> list[str]:
    """The words that say what is wanted: no framing, no stop words, no asking for
    the best of it (ACCLAIM: "top 10 sci-fi movies", "greatest war films of all
    time", "top rated comedies" are the genre's best known films)."""
    framing = {
        i
        for i, w in enumerate(words)
        if w in ACCLAIM
        or (w in RATED and i and words[i - 1] in ACCLAIM)
        or (w.isdigit() and i and words[i - 1] == "top")
        or words[max(i - 2, 0) : i + 1] == ["of", "all", "time"]
        or ["ever", "made"] in (words[i : i + 2], words[i - 1 : i + 1])
    }
    return [
        w
        for i, w in enumerate(words)
        if w not in FILLER and w not in STOPWORDS and i not in framing
    ]


def _bare(word: str) -> str:
    """The word without a possessive ("hitchcock's", "brothers'")."""
    return POSSESSIVE.sub("", word).strip(".'’")


def _longest(phrases: set[str]) -> set[str]:
    """Drop a phrase contained in one of more words, a plural as its singular
    ("friendship" in "male friendship", "alzheimer" in "alzheimer's disease",
    "friends" in "best friend"); "zombie" and "zombies" both stay."""
    bare = {q: " ".join(_singular(w) for w in q.split()) for q in phrases}
    return {
        p
        for p in phrases
        if not any(
            len(q.split()) > len(p.split()) and f" {bare[p]} " in f" {bare[q]} "
            for q in phrases
        )
    }


def _role(words: set[str]) -> str | None:
    if words & DIRECTOR_HINTS:
        return "director"
    if words & CAST_HINTS:
        return "cast"
    return None


def recognise(text: str, *, spell: bool = True) -> Entities:
    """Find people (full names 2-4 words, else a surname or a misspelled name),
    genre names, catalogue keywords named after "about" (1-3 words) and a decade in
    the query, and the share of the query they explain."""
    # Words as typed ("alzheimer's disease" is a keyword) and without a possessive
    # ("Hitchcock's films" names Hitchcock).
    typed, words = _words(text)
    found = Entities()
    if not words:
        return found
    covered: set[str] = set()
    found.role = _role(set(words))
    names = _ngrams(words, 2, 4)
    genre_words = _ngrams(words, 1, 2) | {w.rstrip("s") for w in words}
    synonyms = {p: GENRE_SYNONYMS[p] for p in genre_words if p in GENRE_SYNONYMS}
    genre_words |= {name for names in synonyms.values() for name in names}
    # Full names and genres in one query.
    named = list(
        Name.objects.annotate(key=Lower("name"))
        .filter(
            Q(kind=Name.Kind.PERSON, key__in=names)
            | Q(kind=Name.Kind.GENRE, key__in=genre_words)
            | Q(kind=Name.Kind.KEYWORD, key__in=_phrases(words, typed))
        )
        .values_list("pk", "name", "key", "kind")
    )
    rows = [row[:3] for row in named if row[3] == Name.Kind.PERSON][:10]
    found.people = {pk: name for pk, name, _ in rows}
    covered |= {w for _, _, key in rows for w in key.split()}
    keywords = [(pk, key) for pk, _, key, kind in named if kind == Name.Kind.KEYWORD]
    rows = [row[:3] for row in named if row[3] == Name.Kind.GENRE]
    found.genres = {pk: name for pk, name, _ in rows}
    genre_keys = {key for _, _, key in rows}
    by_genre = {w for w in words if w in genre_keys or w.rstrip("s") in genre_keys}
    by_genre |= {w for key in genre_keys for w in key.split()}
    by_genre |= {
        w
        for phrase, names in synonyms.items()
        if genre_keys.intersection(names)
        for w in phrase.split()
    }
    covered |= by_genre
    if "about" in words:
        start = words.index("about") + 1
        _keywords(found, keywords, words[start:], typed[start:])
        _genres_in_keywords(found)
    content = _content(words)
    found.years = decade(text) or _year(text, content)
    in_keywords = set().union(*found.keyword_words.values())  # "french resistance"
    spoken = [w for w in words if w in LANGUAGES and w not in in_keywords]
    if spoken and catalogue().language and len(content) <= SHORT_QUERY:
        found.languages = LANGUAGES[spoken[0]]
        covered.add(spoken[0])
    if found.years:
        covered |= {w for w in words if DECADE.search(w) or w.rstrip("'’s").isdigit()}
    stop, df = word_counts(list(dict.fromkeys(content)))
    if not found.people and len(content) <= SHORT_QUERY and "about" not in words:
        # "pixar movies", "a24 horror": a studio, when it explains the rest.
        rest = [w for w in content if w not in covered]
        found.studios = _studios(rest, words, keywords, df)
        if not found.studios and rest and by_genre & set(content):
            # "pixar animation studios": a genre's word in a studio's name.
            _studio_of_genre_words(found, content, covered, by_genre, words, df)
        if found.studios:
            covered |= set(found.studios.typed.split())
    elif (
        len(found.people) == 1 and len(content) <= SHORT_QUERY and "about" not in words
    ):
        _studio_not_person(found, content, covered, words, keywords, df)
    # A decade no movie's text says ("2000s") is no misspelled title.
    found.unknown = frozenset(unknown_words(content, stop, df)) - covered
    found.rare = frozenset(
        w for w in content if 0 < df.get(w, 0) <= RARE and len(w) >= 4
    )
    # Words read as names ("romcom", a keyword no movie's text holds) stay typed.
    named = covered.union(*found.keyword_words.values())
    typos = {}
    if spell:
        typos = spelling.meant(
            [w for w in content if w in found.unknown and w not in named]
        )
    # Not a word of a name typed in full ("Leonard Last").
    dated = [w for w in content if (w in NEWEST or w in OLDEST) and w not in covered]
    if not found.people:
        rest = [w for w in content if w not in named]
        rest = [w for w in rest if w not in dated] or rest
        resolved = resolve(
            rest, role=found.role, text=text, stop=stop, df=df, spelled=typos
        )
        for resolution in resolved:
            found.people[resolution.person_id] = resolution.name
            found.resolutions.append(resolution)
            covered |= set(resolution.typed.split())
    if found.people:  # "films featuring meryl streep": the role, said
        covered |= {w for w in content if w in DIRECTOR_HINTS or w in CAST_HINTS}
    listed = found.people or found.studios  # "nolan's latest", "new pixar movies"
    if dated and listed and set(content) - set(dated) <= covered:
        found.order = "newest" if dated[0] in NEWEST else "oldest"
        covered |= set(dated)
    if "about" not in words and not found.people:
        # "zombie movies", "90s heist films": a catalogue keyword among the words
        # no genre or decade explains, when with them it explains the whole query
        # (in a description, "a heist in las vegas", or a title, "zombie night",
        # keywords would outweigh the rest of it).
        them = replace(found, keywords={}, keyword_words={})
        _keywords(
            them,
            keywords,
            words,
            typed,
            taken=covered - by_genre,
            edges=set(content),
            genre=by_genre,
        )
        _genres_in_keywords(them)
        explained = covered.union(*them.keyword_words.values())
        # One keyword, in the singular or the plural or both ("zombie movies":
        # the films tagged "zombie" or "zombies").
        one = {key.rstrip("s") for key in them.keywords.values()}
        if len(one) == 1 and set(content) <= explained:
            found = them
    found.content, found.covered = tuple(content), frozenset(covered)
    names = {w for r in found.resolutions for w in r.typed.split()}
    spelled = {k: word for k, (word, _) in typos.items() if k not in names}
    if spelled:
        # Read again as corrected: "horor movies" names the genre Horror, "zombei
        # movies" the keyword zombie. The words no movie has stay those typed
        # (a misspelled title is still looked for).
        again = recognise(spelling.corrected(text, spelled), spell=False)
        found = replace(again, unknown=found.unknown, rare=found.rare, spelled=spelled)
    return found


def _studio_not_person(found, content, covered, words, keywords, df) -> None:
    """ "walt disney movies": the one person a short query names in full, when
    that name is also a studio's (less its company words) with STUDIO_OVER_PERSON
    times as many films as the person has credits, is the studio (Walt Disney
    Pictures' 200 films, not the dozen Walt Disney appears in), as is a studio's
    fuller name ("walt disney pictures"). A role said ("with walt disney") keeps
    the person (_studios)."""
    [(person_id, name)] = found.people.items()
    person = set(name.casefold().split())
    rest = [w for w in content if w not in covered or w in person]
    studios = _studios(rest, words, keywords, df)
    if not studios or not person <= set(studios.typed.split()):
        return
    # A studio's name in full ("walt disney pictures") is the studio's.
    if person == set(studios.typed.split()):
        credits = sum(person_credits([person_id]).get(person_id, (0, 0)))
        if studios.films < STUDIO_OVER_PERSON * max(credits, 1):
            return
    found.people, found.studios = {}, studios


def _studio_of_genre_words(found, content, covered, by_genre, words, df) -> None:
    """The studio whose name holds a genre's word ("pixar animation studios",
    where "animation" alone is the genre), when the words left by the genres
    name no studio: the genre read in its name is dropped."""
    rest = [w for w in content if w not in covered or w in by_genre]
    studios = _studios(rest, words, [], df)
    typed = set(studios.typed.split()) if studios else set()
    if not typed & by_genre:
        return
    found.studios = studios
    found.genres = {
        pk: name
        for pk, name in found.genres.items()
        if not set(name.casefold().split()) <= typed
    }


def _studios(rest: list[str], words: list[str], keywords, df) -> Studios | None:
    """The studios these content words (those no other name explains) of the
    query's `words` name, if they name nothing else: no role of a person said
    ("movies with fox", "directed by"; "by" alone is a studio's too: "movies by
    pixar"), no catalogue keyword of those words tagging a quarter as many films
    ("castle movies" are the films tagged "castle", not Castle Rock's)."""
    if not rest or set(words) & (CAST_HINTS | DIRECTOR_HINTS - {"by"}):
        return None
    if len(set(rest) - NEWEST - OLDEST) > MAX_PHRASE:  # no name explains them all
        return None
    # "new line movies" are New Line's; "new pixar movies" Pixar's, newest first.
    undated = [w for w in rest if w not in NEWEST and w not in OLDEST]
    for wanted in (rest, undated) if undated != rest else (rest,):
        runs, run = [], []
        for word in [*words, ""]:  # neighbours in the query: "walt disney"
            if word in wanted:
                run.append(word)
            elif run:
                runs, run = [*runs, run], []
        studios = named_studios(runs, df)
        if studios and not set(wanted) - set(studios.typed.split()):
            break
    else:
        return None
    same = [pk for pk, key in keywords if key.rstrip("s") == studios.typed.rstrip("s")]
    if same and Fact.objects.filter(name__in=same).count() >= (
        KEYWORD_SHARE * studios.films
    ):
        return None
    return studios


def misspelled(text: str) -> dict[str, str]:
    """The query's misspelled words and the catalogue's words meant (recognise's
    `spelled`, without looking for names)."""
    return spelling.corrections(unknown(text))


def unknown(text: str) -> list[str]:
    """The query's content words that no movie's text has (recognise's `unknown`,
    without looking for names)."""
    content = list(dict.fromkeys(_content(_words(text)[1])))
    stop, df = word_counts(content)
    return unknown_words(content, stop, df)


def _words(text: str) -> tuple[list[str], list[str]]:
    """The query's words as typed (lower case, "alzheimer's") and without a
    possessive ("hitchcock's" → "hitchcock"), at most 40."""
    typed = [w.strip(".'’").casefold() for w in WORD.findall(text)][:40]
    typed = [w for w in typed if _bare(w)]
    return typed, [_bare(w) for w in typed]


def _phrases(words, typed) -> set[str]:
    """The query's phrases that may be catalogue keywords: 1-3 words, as typed or
    without a possessive, up to 4 without articles, and a word's singular and
    plural (TMDB tags 6 films "zombie" and 67 "zombies")."""
    phrases = _ngrams(words, 1, 3) | _ngrams(typed, 1, 3)
    # Up to four words, "a", "an" and "the" left out: "based on a true story" is
    # the keyword "based on true story".
    phrases |= _ngrams([w for w in words if w not in ("a", "an", "the")], 2, 4)
    phrases |= {w.rstrip("s") for w in words if len(w) > 3}
    # A phrase's last word in the singular: "psychological thrillers" is the
    # keyword "psychological thriller".
    phrases |= {
        p[:-1]
        for p in _ngrams(words, 2, 3)
        if p.endswith("s") and len(p.split()[-1]) > 3
    }
    phrases |= {w + "s" for w in words if len(w) > 3 and not w.endswith("s")}
    return phrases - ARTICLES


def _keywords(
    found: Entities,
    candidates,
    words,
    typed,
    *,
    taken=frozenset(),
    edges=None,
    genre=frozenset(),
):
    """The catalogue keywords (`candidates`: (pk, lower-cased name) of the query's
    _phrases, 1-3 words, the longest) among these words, none of them a word in
    `taken`, each starting and ending with a word of `edges` (None: any word), and
    a phrase holding a `genre` word only if another is its own ("cold war movies",
    not "war movies"), and the query's words each explains."""
    ends = None if edges is None else {_singular(w) for w in edges}
    # In the singular: "for kids" names the genre Family, so "kid" is no keyword.
    genre = {_singular(w) for w in genre}
    phrases = {
        p
        for p in _phrases(words, typed)
        if not taken.intersection(p.split())
        and (ends is None or {_singular(w) for w in _edges(p)} <= ends)
        and (
            not genre.intersection(map(_singular, p.split()))
            or {_singular(w) for w in p.split()} - genre
        )
    }
    rows = [(pk, key) for pk, key in candidates if key in phrases]
    kept = _longest({key for _, key in rows if not decade(key)})
    found.keywords = {pk: key for pk, key in rows if key in kept}
    for pk, key in found.keywords.items():
        # Its words, and those typed in the plural ("serial killers").
        own = {_singular(w) for w in key.split()}
        found.keyword_words[pk] = frozenset(_bare(w) for w in key.split()) | {
            w
            for w in words
            if w.rstrip("s") in (key, key.rstrip("s")) or _singular(w) in own
        }


def _edges(phrase: str) -> tuple[str, str]:
    """A phrase's first and last words; a framing word (FILLER) that ends a phrase
    of three words or more is the keyword's own ("based on true story")."""
    words = phrase.split()
    last = words[-1]
    return words[0], words[0] if len(words) >= 3 and last in FILLER else last


def _singular(word: str) -> str:
    """A word without a possessive or a plural's "s" ("zombies" as "zombie")."""
    return _bare(word).rstrip("s")


def _genres_in_keywords(found: Entities) -> None:
    """A genre inside a recognised keyword is the keyword's: "about world war ii"
    and "world war ii movies" name the keyword, not the War genre."""
    keys = [f" {key} " for key in found.keywords.values()]
    found.genres = {
        pk: name
        for pk, name in found.genres.items()
        if not any(f" {name.casefold()} " in key for key in keys)
    }
