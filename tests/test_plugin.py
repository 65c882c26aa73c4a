"""The plugin's shape: a wheel of one package with its templates, static files and
migrations; the host's declaration checked by `manage.py check`; documents built as
the declaration says; and the layering between the plugin and the demo catalogue."""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from catalog.models import Credit, Genre, Movie, Person
from moviesearch.catalogue import Catalogue
from moviesearch.checks import check_declaration
from moviesearch.embeddings.documents import movie_document

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "moviesearch"
# What the demo catalogue may import of the plugin: its public surface.
PUBLIC = {
    "moviesearch.admin",
    "moviesearch.catalogue",
    "moviesearch.conf",
    "moviesearch.indexing",
    "moviesearch.initials",
    "moviesearch.mixins",
}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_no_plugin_module_imports_the_demo_catalogue():
    """Every module of the package, migrations included, at any depth (function
    level too): the host is reached through the declaration only."""
    importing = {
        str(path.relative_to(ROOT))
        for path in PLUGIN.rglob("*.py")
        if any(m == "catalog" or m.startswith("catalog.") for m in _imports(path))
    }
    assert not importing, importing


def test_no_plugin_sql_names_the_demo_catalogues_tables():
    naming = {
        str(path.relative_to(ROOT))
        for path in PLUGIN.rglob("*.py")
        if "catalog_" in path.read_text()
    }
    assert not naming, naming


def test_the_demo_catalogue_uses_only_the_plugins_public_surface():
    for path in (ROOT / "catalog").rglob("*.py"):
        plugin = {m for m in _imports(path) if m.startswith("moviesearch.")}
        private = {
            m for m in plugin if m not in PUBLIC and m.rsplit(".", 1)[0] not in PUBLIC
        }
        assert not private, f"{path.relative_to(ROOT)} imports {sorted(private)}"


def test_the_wheel_holds_the_plugin_with_its_templates_static_and_migrations(tmp_path):
    # Built from a copy: setuptools' build/ folder would otherwise keep files deleted
    # from the source and put them in the next wheel.
    source = tmp_path / "src"
    shutil.copytree(
        PLUGIN, source / "moviesearch", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(source)],
        check=True, cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("moviesearch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "moviesearch",
        wheel.name[:-4].split("-py3")[0] + ".dist-info",
    }
    for expected in (
        "moviesearch/search/templates/moviesearch/home.html",
        "moviesearch/search/static/moviesearch/js/suggest.js",
        "moviesearch/recommendations/templates/moviesearch/recommendations/_for_you.html",
        "moviesearch/embeddings/migrations/0001_lexical_index.py",
        "moviesearch/search/openapi.json",
    ):
        assert expected in names
    metadata = next(n for n in names if n.endswith("/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: Django" in text and "Provides-Extra: onnx" in text


class Misspelled(Catalogue):
    model = "catalog.Movie"
    dense = ["title", "plot", ("Genres:", "genres__nme")]
    lexical = {"A": ["title"], "E": ["overview"]}
    watch = ["genres", "tags"]


def test_check_names_each_wrong_path_of_a_declaration(settings):
    settings.MOVIESEARCH_CATALOGUE = f"{__name__}.Misspelled"
    messages = {e.id: e.msg for e in check_declaration()}
    errors = [e.msg for e in check_declaration()]
    assert any("'plot'" in m and "Movie has no field" in m for m in errors)
    assert any("'genres__nme'" in m and "Genre has no field" in m for m in errors)
    assert any("'tags'" in m and "watch" in m for m in errors)
    assert "moviesearch.E008" in messages  # lexical weight "E"
    settings.MOVIESEARCH_MOVIE_MODEL = "catalog"
    assert [e.id for e in check_declaration()] == ["moviesearch.E001"]


class NotColumns(Catalogue):
    model = "catalog.Movie"
    title = "directors"  # a method: SQL cannot read it
    titles = []
    year = "release_date"  # a date, not its year
    summary = "genres__name"  # through a relation


def test_check_names_declared_columns_that_are_not_columns(settings):
    settings.MOVIESEARCH_CATALOGUE = f"{__name__}.NotColumns"
    errors = [e.msg for e in check_declaration() if e.id == "moviesearch.E011"]
    assert any(m.startswith("NotColumns.title: 'directors'") for m in errors)
    assert any("'release_date__year'" in m for m in errors)
    assert any(m.startswith("NotColumns.summary: 'genres__name'") for m in errors)
    assert any("titles is empty" in m for m in errors)


def test_manage_check_fails_on_a_bad_declaration_and_passes_the_demos(settings):
    call_command("check")  # the demo's own declaration
    settings.MOVIESEARCH_CATALOGUE = f"{__name__}.Misspelled"
    with pytest.raises(SystemCheckError, match="moviesearch.E006"):
        call_command("check")


class PlotOnly(Catalogue):
    model = "catalog.Movie"
    dense = ["title", "tagline", ("Kinds:", "genres__name")]
    lexical = {"A": ["title"], "B": ["directors"], "D": ["overview"]}


@pytest.mark.django_db
def test_documents_follow_the_declaration():
    movie = Movie.objects.create(
        title="Ran", tagline="A king divides his realm.", overview="Lear in Japan."
    )
    movie.genres.add(
        Genre.objects.create(name="War"), Genre.objects.create(name="Drama")
    )
    Credit.objects.create(
        movie=movie,
        person=Person.objects.create(name="Akira Kurosawa"),
        role="director",
    )
    loaded = Movie.objects.filter(pk=movie.pk).with_document_facts().get()
    document = movie_document(loaded, PlotOnly())
    assert document.text == "Ran. A king divides his realm. Kinds: Drama, War."
    assert (document.title, document.people, document.topics, document.story) == (
        "Ran", "Akira Kurosawa", "", "Lear in Japan."
    )  # fmt: skip
    # The demo's declaration keeps the story first and the names out of the vector.
    demo = movie_document(loaded)
    assert demo.text == "Ran. Lear in Japan. Genres: Drama, War."
    assert "Kurosawa" in demo.people and "Kurosawa" not in demo.text


@pytest.mark.django_db(transaction=True)
def test_upgrading_from_0_1_carries_interactions_and_judgments_over():
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from moviesearch.legacy import carry_over
    from moviesearch.quality.models import Judgment, SavedQuery
    from moviesearch.recommendations.models import Interaction

    movie = Movie.objects.create(title="Alien")
    user = User.objects.create(username="ripley")
    tables = {
        "recommendations_interaction": Interaction,
        "quality_savedquery": SavedQuery,
        "quality_judgment": Judgment,
    }
    try:
        with connection.cursor() as cursor:
            for old, model in tables.items():
                cursor.execute(
                    f"CREATE TABLE {old} (LIKE {model._meta.db_table} INCLUDING ALL)"
                )
        Interaction.objects.create(
            user=user, movie=movie, kind="liked", created_at=timezone.now()
        )
        saved = SavedQuery.objects.create(text="space horror", created_by=user)
        Judgment.objects.create(saved_query=saved, movie=movie, verdict="good")
        with connection.cursor() as cursor:  # what 0.1 left: rows in the old tables
            for old, model in tables.items():
                cursor.execute(
                    f"INSERT INTO {old} SELECT * FROM {model._meta.db_table}"
                )
        Judgment.objects.all().delete()
        SavedQuery.objects.all().delete()
        Interaction.objects.all().delete()

        with connection.schema_editor() as editor:
            carry_over(
                apps,
                editor,
                "moviesearch_recommendations",
                [("recommendations_interaction", "Interaction")],
            )
            carry_over(apps, editor, "moviesearch_quality",
                       [("quality_savedquery", "SavedQuery"),
                        ("quality_judgment", "Judgment")])  # fmt: skip
            carry_over(
                apps,
                editor,
                "moviesearch_quality",
                [("quality_savedquery", "SavedQuery")],
            )  # twice: no duplicates

        assert Interaction.objects.get().movie == movie
        assert Judgment.objects.get().saved_query.text == "space horror"
        # The id sequences moved past the copied rows.
        assert SavedQuery.objects.create(text="next", created_by=user).pk > saved.pk
    finally:
        with connection.cursor() as cursor:
            for old in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {old}")


@pytest.mark.django_db
def test_a_host_template_uses_the_plugins_tag_library_and_urls():
    from django.template import Context, Template
    from django.urls import reverse

    director = Person.objects.create(name="Ridley Scott")
    scifi = Genre.objects.create(name="Science Fiction")
    films = []
    for title in ("Alien", "Blade Runner"):
        film = Movie.objects.create(title=title, overview=f"{title}: a story.")
        film.genres.add(scifi)
        Credit.objects.create(movie=film, person=director, role="director")
        films.append(film)
    page = Template(
        "{% load moviesearch %}{% search_form %}{% similar_movies movie 3 %}"
        "{{ 'ja'|language_name }}"
    ).render(Context({"movie": films[0]}))
    assert f'action="{reverse("moviesearch:home")}"' in page
    assert 'data-suggest-url="/api/suggest"' in page
    assert "Similar movies" in page and "Blade Runner" in page
    assert "Japanese" in page
    assert reverse("moviesearch:movie", args=[films[1].pk]) in page


@pytest.mark.django_db
def test_facts_follow_edits_and_an_unchanged_refresh_writes_nothing():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moviesearch.embeddings.models import Fact
    from moviesearch.embeddings.services import movie_refresh_documents

    film = Movie.objects.create(title="Heat", overview="A heist in LA.")
    pacino = Person.objects.create(name="Al Pacino")
    credit = Credit.objects.create(movie=film, person=pacino, role="cast")
    film.genres.add(Genre.objects.create(name="Crime"))

    def facts():
        return set(
            Fact.objects.filter(movie_id=film.pk).values_list("role", "name__name")
        )

    assert facts() == {("cast", "Al Pacino"), ("genre", "Crime")}
    with CaptureQueriesContext(connection) as queries:
        movie_refresh_documents(movie_ids=[film.pk])
    assert not [
        q for q in queries if q["sql"].lstrip().startswith(("DELETE", "INSERT"))
    ]
    credit.role = "director"
    credit.save()
    assert facts() == {("director", "Al Pacino"), ("genre", "Crime")}
