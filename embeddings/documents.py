"""The text a movie is embedded and keyword-ranked by, built from its facts."""

import hashlib
from dataclasses import dataclass

MAIN_CAST = 6
MAX_KEYWORDS = 12


@dataclass(frozen=True)
class Document:
    text: str  # what the model embeds
    title: str  # full-text weight A
    people: str  # weight B
    topics: str  # weight C: genres and keywords
    story: str  # weight D: tagline and overview

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _sentence(label: str, names: list[str]) -> str:
    return f"{label} {', '.join(names)}." if names else ""


def movie_document(movie) -> Document:
    """Build the document of a movie whose genres, keywords and credits are loaded.

    Facts come first and in plain sentences: the reference format "Title. Overview"
    cannot find a film by its director, since overviews rarely name one."""
    genres = sorted(g.name for g in movie.genres.all())
    keywords = sorted(k.name for k in movie.keywords.all())[:MAX_KEYWORDS]
    directors = movie.directors()
    cast = movie.cast()[:MAIN_CAST]
    heading = f"{movie.title} ({movie.year})." if movie.year else f"{movie.title}."
    if movie.original_title and movie.original_title != movie.title:
        heading += f" Original title: {movie.original_title}."
    parts = [
        heading,
        _sentence("Genres:", genres),
        _sentence("Directed by", directors),
        _sentence("Starring", cast),
        _sentence("Keywords:", keywords),
        movie.overview.strip(),
    ]
    return Document(
        text=" ".join(p for p in parts if p),
        title=f"{movie.title} {movie.original_title}".strip(),
        people=" ".join(directors + movie.cast()),
        topics=" ".join(genres + keywords),
        story=f"{movie.tagline} {movie.overview}".strip(),
    )
