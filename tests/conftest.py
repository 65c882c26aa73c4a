import json

import pytest

from catalog.importer import movies_import
from catalog.models import Credit, Genre, Movie, Person
from tests.plugin_fixtures import ROOT

DEMO_DIR = ROOT / "catalog" / "demo"


@pytest.fixture
def make_movie(db):
    """Create a movie with relations through the ORM (signals fire as in the admin)."""

    def make(title="Untitled", year=2000, genres=(), directors=(), cast=(), **fields):
        movie = Movie.objects.create(title=title, year=year, **fields)
        movie.genres.set([Genre.objects.get_or_create(name=g)[0] for g in genres])
        for role, names in (("director", directors), ("cast", cast)):
            for order, name in enumerate(names):
                person, _ = Person.objects.get_or_create(name=name)
                Credit.objects.create(
                    movie=movie, person=person, role=role, order=order
                )
        return movie

    return make


def demo_lines():
    return [line for p in sorted(DEMO_DIR.glob("*.jsonl")) for line in p.open()]


@pytest.fixture
def demo_catalogue(db):
    """The shipped demo catalogue, imported (documents refreshed, not embedded)."""
    return movies_import(lines=demo_lines())


@pytest.fixture
def jsonl(tmp_path):
    def write(rows, name="movies.jsonl"):
        path = tmp_path / name
        path.write_text(
            "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
        )
        return path

    return write


@pytest.fixture
def embedded_demo(demo_catalogue, real_encoder):
    """The demo catalogue embedded with the real packaged model."""
    from django.core.management import call_command

    call_command("reindex", "--no-progress", "--keep-index")
    return Movie.objects.all()
