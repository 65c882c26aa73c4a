"""Wikipedia leads of films, read for the `plot` evaluation family ONLY.

This text measures search; it must never train a model, tune document text or
build synonyms, or the measurement means nothing (issue 13). Nothing outside
moviesearch.quality.visitor_queries' plot generator reads it."""

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from moviesearch.conf import settings

MIN_WORDS, MAX_WORDS = 6, 40
# Capitalised words never taken for a first name, whatever the catalogue holds.
FUNCTION_WORDS = {
    "The", "A", "An", "And", "Or", "Of", "In", "On", "At", "To", "For", "With",
    "From", "By", "As", "When", "After", "Before", "While", "His", "Her", "Their",
    "It", "This", "That",
}  # fmt: skip
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "mt", "lt", "no"}
_BOUNDARY = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
# "X is a 1999 American film directed by …": the lead's definition, not the story.
_DEFINITION = re.compile(
    r"\b(?:is|was|are|were)\s+(?:an?|the)\b.*?"
    r"\b(?:film|movie|picture|documentary|feature|short|serial|cartoon)s?\b",
    re.IGNORECASE,
)
# Sentences about making, cast or reception, not the story.
_NOT_STORY = re.compile(
    r"\b(?:stars?|starr(?:ing|ed)|co-?stars?|cast|directed|director|directorial|"
    r"produced|producers?|production|written|writers?|screenplay|script|released?|"
    r"release[sd]|premiered?|box office|gross(?:ed)?|budget|critic(?:s|al|ally)?|"
    r"reviews?|acclaim\w*|nominat\w*|awards?|oscars?|academy|festival|adapt\w*|"
    r"based on|sequel|prequel|remake|install?ments?|trilogy|franchise|theatrical\w*|"
    r"distribut\w*|soundtrack|debut\w*|roles?|repris\w*|appearances?|cameos?|"
    r"plays|played|portray\w*|voiced|voices|featur(?:es|ed|ing)|homage|tribute|"
    r"parod\w*|songs?|music video|album|version|title[ds]?|refer\w*|filmed|"
    r"filming|filmmakers?|actors?|actress\w*|career|studio|inspired|rat(?:ed|ing)|"
    r"(?:first|second|third|fourth|fifth|last|final) (?:film|movie|feature|entry))\b",
    re.IGNORECASE,
)
# How it was made or shown, which _NOT_STORY's words miss ("The original music score
# was composed by", "The film was shot in Portland, Oregon"): no visitor describes a
# film by these, and no catalogue text holds them.
_MAKING = re.compile(
    r"\b(?:principal photography|photography (?:began|started|commenced|wrapped|"
    r"took place)|(?:was|were) (?:shot|recorded|made)(?: \w+ly)? (?:in|at|on)|"
    r"shooting locations?|on location|(?:musical?|original|film'?s?) score|"
    r"scored by|composed by|its score|cinematograph\w*|choreograph\w*|"
    r"(?:in|into) theat(?:er|re)s|in cinemas|viewers|b-movies?|stock footage|"
    r"uncredited|tie-in|sound design|(?:special|visual|make-?up) effects|"
    r"(?:aired|broadcast) on|syndication)\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\]]*\]")
_WORD = re.compile(r"\w+")
_RUN = re.compile(r"(?<![\w'’])[A-Z][a-z]+(?:\s+(?:[A-Z]\.|[A-Z][\w'’-]*[a-z]))+")


def wikipedia_path(path=None) -> Path:
    """The Wikipedia leads file: `path`, else settings.QUALITY_WIKIPEDIA_PATH."""
    return Path(path or settings.QUALITY_WIKIPEDIA_PATH).expanduser()


def wikipedia_rows(path) -> Iterator[dict]:
    """Rows of a JSON Lines file (gzip when named .gz): title, year, overview (the
    lead), directors, cast."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from None
            if isinstance(row, dict):
                yield row


def first_names(names: Iterable[str]) -> set[str]:
    """First words that begin two or more multi-word catalogue names ("John",
    "Mary"): what makes a run of capitalised words look like a person."""
    counts = Counter(name.split()[0] for name in names if len(name.split()) >= 2)
    return {
        word
        for word, count in counts.items()
        if count >= 2
        and word.isalpha()
        and len(word) >= 2
        and word[0].isupper()
        and word not in FUNCTION_WORDS
    }


def sentences(text: str) -> list[str]:
    """Split a lead into sentences; a period after an initial ("C. C. H.") or a
    common abbreviation ("Dr.", "U.S.") does not end one."""
    out, start = [], 0
    for boundary in _BOUNDARY.finditer(text):
        words = text[start : boundary.start()].split()
        token = words[-1].strip('("“‘').rstrip(".") if words else ""
        if token.casefold() in _ABBREVIATIONS or _INITIALS.fullmatch(token):
            continue
        out.append(text[start : boundary.end()].strip())
        start = boundary.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _drop(text: str, spans) -> str:
    """`text` with each (start, end) span replaced by a space."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start >= last:
            out += [text[last:start], " "]
            last = end
    return "".join(out) + text[last:]


def strip_names(text: str, *, names: Iterable[str], known_first: set[str]) -> str:
    """Remove parentheses, the given names (matched word by word, any case after a
    capital) and each of their capitalised words, and runs of capitalised words
    from a known first name on ("Thomas Anderson", "When [Jorge Bacardi]")."""
    text = _BRACKETS.sub(" ", text)
    names = [_WORD.findall(name) for name in names]
    full = {tuple(w.casefold() for w in words) for words in names if words}
    longest = max(map(len, full), default=0)
    parts = {w for words in names for w in words if len(w) >= 2 and w[0].isupper()}
    parts -= FUNCTION_WORDS
    tokens = list(_WORD.finditer(text))
    folded = [token.group().casefold() for token in tokens]
    spans, i = [], 0
    while i < len(tokens):
        size = next(
            (
                k
                for k in range(min(longest, len(tokens) - i), 0, -1)
                if tokens[i].group()[0].isupper() and tuple(folded[i : i + k]) in full
            ),
            0,
        )
        if size:
            spans.append((tokens[i].start(), tokens[i + size - 1].end()))
        elif tokens[i].group() in parts:
            spans.append(tokens[i].span())
        i += size or 1
    text = _drop(text, spans)

    def person_like(run):
        words = run.group().split()
        for at, word in enumerate(words[:-1]):
            if word in known_first:
                return " ".join(words[:at]) + " "
        return run.group()

    return _RUN.sub(person_like, text)


def strip_title(text: str, title: str) -> str:
    """Remove the title's words, whole and case-insensitive, except FUNCTION_WORDS
    ("the", "of"): they do not give the film away and the clause stays readable."""
    drop = set(_WORD.findall(title.casefold())) - {w.casefold() for w in FUNCTION_WORDS}
    found = _WORD.finditer(text)
    return _drop(text, [w.span() for w in found if w.group().casefold() in drop])


def tidy(text: str) -> str:
    """Collapse the spaces and stray punctuation that removals leave behind."""
    text = re.sub(r"\(\s*\)|\[\s*\]|\"\s*\"|“\s*”|(?<![\w])['’]s\b", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:.])+", r"\1", text)
    text = " ".join(text.split())
    return text.strip(" ,;:.-–—'’\"")


def story_clauses(
    lead: str, *, title: str, names: Iterable[str], known_first: set[str]
) -> list[str]:
    """The lead's story clauses, names and title words removed, of MIN_WORDS to
    MAX_WORDS words: every sentence (split again at ";") except the opening
    definition and those about cast, making or reception."""
    found = sentences(" ".join(lead.split()))
    if found and _DEFINITION.search(found[0]):
        found = found[1:]
    out = []
    for sentence in found:
        if _NOT_STORY.search(sentence) or _MAKING.search(sentence):
            continue
        for clause in sentence.split(";"):
            clause = strip_names(clause, names=names, known_first=known_first)
            clause = tidy(strip_title(clause, title))
            if MIN_WORDS <= len(clause.split()) <= MAX_WORDS:
                out.append(clause)
    return out
