"""What pages and the API show of a host's movie, read through the declaration:
its title, year, summary, address and names by role, whatever the host calls them."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from moviesearch.catalogue import catalogue, value
from moviesearch.embeddings.facts import roles_of


@dataclass
class Shown:
    pk: int
    title: str
    year: int | None
    summary: str
    url: str
    roles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def genres(self) -> list[str]:
        return self.roles.get("genre", [])

    @property
    def directors(self) -> list[str]:
        return self.roles.get("director", [])

    @property
    def cast(self) -> list[str]:
        return self.roles.get("cast", [])

    @property
    def keywords(self) -> list[str]:
        return self.roles.get("keyword", [])

    @property
    def studios(self) -> list[str]:
        return self.roles.get("studio", [])


def movie_url(movie) -> str:
    """The movie's own page: the host's get_absolute_url, else the plugin's."""
    if hasattr(movie, "get_absolute_url"):
        return movie.get_absolute_url()
    try:
        return reverse("moviesearch:movie", args=[movie.pk])
    except NoReverseMatch:  # the plugin's pages are not in the URLconf
        return ""


def shown(movie) -> Shown:
    """The movie as pages and the API show it (its names from its facts: load
    movies with .with_facts() to read a page of them in one query)."""
    spec = catalogue()
    year = value(movie, spec.year) if spec.year else None
    return Shown(
        pk=movie.pk,
        title=str(value(movie, spec.title) or ""),
        year=year or None,
        summary=str(value(movie, spec.summary) or "") if spec.summary else "",
        url=movie_url(movie),
        roles=roles_of(movie),
    )
