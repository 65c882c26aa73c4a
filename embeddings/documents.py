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

MAX_KEYWORDS = 12
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


def dense_text(*, title: str, overview: str, genres: list[str], keywords: list[str]):
    """The story-first text the model embeds."""
    heading = title.strip().rstrip(".") + "."
    parts = [
        heading,
        overview.strip(),
        _sentence("Genres:", genres),
        _sentence("Keywords:", keywords),
    ]
    return " ".join(p for p in parts if p)


def movie_document(movie) -> Document:
    """Build the document of a movie whose genres, keywords and credits are loaded."""
    genres = sorted(g.name for g in movie.genres.all())
    keywords = sorted(k.name for k in movie.keywords.all())[:MAX_KEYWORDS]
    directors = movie.directors()
    return Document(
        text=dense_text(
            title=movie.title,
            overview=movie.overview,
            genres=genres,
            keywords=keywords,
        ),
        title=f"{movie.title} {movie.original_title}".strip(),
        people=" ".join(directors + movie.cast()),
        topics=" ".join(genres + keywords),
        story=f"{movie.tagline} {movie.overview}".strip(),
    )
