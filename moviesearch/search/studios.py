"""The studios a short query names ("pixar movies", "a24 horror", "studio ghibli
films", "80s disney movies"): the plugin's names of kind "studio" (the declaration's
`facts["studio"]`, a film's production companies). A phrase of the query names a
studio when it is the studio's name, or that name without its company words
("Pixar Animation Studios": "pixar"; "Walt Disney Pictures": "walt disney"), or
the first or last words of that ("disney", "warner" of "Warner Bros."). A single
word must name more of the studios' films than movies whose text has the word
("fox": 580 films of 25 studios, against 127 texts; "red": a few, against 143)."""

import re
from dataclasses import dataclass

from django.db import connection

from moviesearch.embeddings.models import Fact, Name
from moviesearch.sql import with_tables

# The words of a company's name that say it is a company, not which.
COMPANY_WORDS = {
    "productions", "production", "films", "film", "pictures", "picture",
    "entertainment", "studios", "studio", "company", "co", "corporation", "corp",
    "inc", "ltd", "llc", "limited", "gmbh", "kg", "sa", "group", "media",
    "international", "animation", "animations", "cinema", "enterprises",
    "features", "filmproduktion", "producciones", "motion", "the", "of", "and",
}  # fmt: skip
TOKEN = re.compile(r"[^\W_]+")
MAX_PHRASE = 3  # words
MIN_FILMS = 2  # a studio of one film in the catalogue is no reading of a query
# The studios whose lower-cased name holds one of the phrases as whole words (a
# regular expression the name_studio_trgm index serves), with their films.
_STUDIOS_SQL = """
SELECT n.id, n.name, (SELECT count(*) FROM {fact} AS f
                      WHERE f.name_id = n.id AND f.role = 'studio')
FROM {name} AS n
WHERE n.kind = 'studio' AND lower(n.name) ~ %s
"""


@dataclass(frozen=True)
class Studios:
    """The studios a phrase of the query named, the most prolific first."""

    typed: str
    names: dict[int, str]
    films: int  # credited to them, together

    def message(self) -> str:
        """What the visitor is told: "Showing films from Pixar Animation Studios
        (for “pixar”)", "… from Walt Disney Pictures, Walt Disney Productions and
        11 more (for “disney”)"."""
        names = list(self.names.values())
        shown = " and ".join(names)
        if len(names) > 2:
            shown = ", ".join(names[:2]) + f" and {len(names) - 2} more"
        return f"Showing films from {shown} (for “{self.typed}”)"


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text.casefold())


def _forms(name: str) -> set[str]:
    """The phrases that name this studio: its name, its name without company
    words, and the first or last words of that."""
    words = _tokens(name)
    core = [w for w in words if w not in COMPANY_WORDS] or words
    forms = {" ".join(words), " ".join(core)}
    for n in range(1, len(core)):
        forms |= {" ".join(core[:n]), " ".join(core[-n:])}
    return forms


def studio_phrase(name: str) -> str:
    """The words a search reads as this studio: its name, or where that is longer
    than MAX_PHRASE words, the first of its words that say which ("Walt Disney
    Studios Motion Pictures": "walt disney")."""
    words = _tokens(name)
    if len(words) <= MAX_PHRASE:
        return " ".join(words)
    core = [w for w in words if w not in COMPANY_WORDS] or words
    return " ".join(core[:MAX_PHRASE])


def _pattern(phrases: list[str]) -> str:
    """A PostgreSQL regular expression matching any phrase (words of letters and
    digits only: nothing to escape) as whole words; one of words under three
    letters only where a name starts ("dc": DC Comics), a pattern pg_trgm can
    serve (any word of "up" or "it" read the whole index)."""
    short = [p for p in phrases if max(map(len, p.split())) < 3]
    long = [p for p in phrases if p not in short]
    parts = [rf"\m({'|'.join(long)})\M"] if long else []
    parts += [rf"^({'|'.join(short)})\M"] if short else []
    return "|".join(parts)


def named_studios(runs: list[list[str]], df: dict[str, int]) -> Studios | None:
    """The studios the longest phrase of these runs of words names (the query's
    content words that nothing else explains, as runs of neighbours: "black and
    white" is no "black white"), if they made MIN_FILMS films or more; `df`: how
    many movies' texts have each word (people.word_counts)."""
    phrases = sorted(
        {
            " ".join(run[i : i + n])
            for run in runs
            for n in range(1, min(MAX_PHRASE, len(run)) + 1)
            for i in range(len(run) - n + 1)
            if all(_tokens(w) == [w] for w in run[i : i + n])
        },
        key=lambda p: (-len(p.split()), p),
    )
    if not phrases:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(_STUDIOS_SQL, name=Name, fact=Fact), [_pattern(phrases)]
        )
        rows = cursor.fetchall()
    forms = {pk: _forms(name) for pk, name, _ in rows}
    for phrase in phrases:
        named = sorted(
            (row for row in rows if phrase in forms[row[0]] and row[2]),
            key=lambda row: (-row[2], row[1]),
        )
        films = sum(row[2] for row in named)
        if films >= MIN_FILMS and (" " in phrase or films > df.get(phrase, 0)):
            return Studios(phrase, {pk: name for pk, name, _ in named}, films)
    return None
