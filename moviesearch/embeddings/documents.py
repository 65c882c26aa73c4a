"""The texts a movie is embedded and keyword-ranked by, built from its facts.

Two channels, designed separately (see README "Search quality"):
- the dense text is the story: "Title. Overview Genres: …. Keywords: …." MiniLM
  mean-pools every token, so a list of names ahead of the overview drowned the story
  (cosine overview → its own vector 0.26 with facts first, 0.82 story first), and
  names in the vector bought nothing before fine-tuning;
- the lexical fields carry everything, names included, each with a full-text weight:
  people and titles are matched by the lexical ranker and search.entities."""

import hashlib
from dataclasses import dataclass

from moviesearch.catalogue import WEIGHTS, Catalogue, catalogue, read

# Part of the hash: bump it when the texts' format changes, so every vector is
# re-made (a stale vector is re-embedded by `reindex --stale` or the worker's sweep).
FORMAT = "story-first/2"


@dataclass(frozen=True)
class Document:
    text: str  # what the model embeds
    title: str  # full-text weight A
    people: str  # weight B
    topics: str  # weight C: genres and keywords
    story: str  # weight D: tagline and overview

    @property
    def hash(self) -> str:
        """One hash over both channels: any change refreshes both."""
        parts = (FORMAT, self.text, self.title, self.people, self.topics, self.story)
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _sentence(label: str, names: list[str]) -> str:
    return f"{label} {', '.join(names)}." if names else ""


def _values(movie, path: str, limit: int) -> list[str]:
    """Strings at `path`: a relation's rows sorted and at most `limit` of them (a
    stable text whatever the database's order); a field or method's as they come."""
    values, many = read(movie, path)
    return sorted(values)[:limit] if many else values


def movie_document(movie, spec: Catalogue | None = None) -> Document:
    """Build the document of a movie whose relations are loaded (spec.prefetch), as
    the declaration says (moviesearch.catalogue.Catalogue: `dense`, `lexical`)."""
    spec = spec or catalogue()
    limit = spec.dense_list_limit
    parts = []
    for at, item in enumerate(spec.dense):
        if isinstance(item, tuple):
            parts.append(_sentence(item[0], _values(movie, item[1], limit)))
        elif at == 0:  # the heading: "Title."
            parts.append(
                " ".join(_values(movie, item, limit)).strip().rstrip(".") + "."
            )
        else:
            parts.append(" ".join(_values(movie, item, limit)).strip())
    fields = {
        weight: " ".join(
            v
            for path in spec.lexical.get(weight, [])
            for v in _values(movie, path, limit)
        ).strip()
        for weight in WEIGHTS
    }
    return Document(
        text=" ".join(p for p in parts if p),
        title=fields["A"],
        people=fields["B"],
        topics=fields["C"],
        story=fields["D"],
    )
