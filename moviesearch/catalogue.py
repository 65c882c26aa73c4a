"""The one extension point: the host's declaration of its movie model and how to
read it, in the manner of django-haystack's SearchIndex or Wagtail's search_fields.

    # myapp/moviesearch.py
    from moviesearch.catalogue import Catalogue

    class FilmCatalogue(Catalogue):
        model = "films.Film"
        title = "name"
        dense = ["name", "plot", ("Genres:", "tags__name")]
        lexical = {"A": ["name"], "B": ["directors__full_name"], "D": ["plot"]}
        prefetch = ["tags", "directors"]
        watch = ["tags", "directors"]

    # settings.py
    MOVIESEARCH_MOVIE_MODEL = "films.Film"
    MOVIESEARCH_CATALOGUE = "myapp.moviesearch.FilmCatalogue"

A path is read off a movie the way Django's lookups are written: "title",
"genres__name" (every related row's name), "directors" (a method or property whose
value is a string or a list of strings). `manage.py check` names a path that does not
resolve on the model (moviesearch.E001...)."""

from functools import cache

from django.apps import apps
from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    ObjectDoesNotExist,
)
from django.db import models
from django.utils.module_loading import import_string

from moviesearch.conf import settings

# Full-text weights of the lexical fields: A title, B people, C topics, D story.
WEIGHTS = ("A", "B", "C", "D")
# The roles a movie's names can have, and the kind of name each holds.
ROLES = {
    "director": "person",
    "cast": "person",
    "genre": "genre",
    "keyword": "keyword",
    "studio": "studio",
}


class Catalogue:
    """What a host declares; every attribute but `title` may be left as it is. The
    defaults suit a model with only a `title` (README "Add it to your project");
    the demo's declaration, catalog/moviesearch.py, fills in every one."""

    #: "app_label.ModelName" of the host's movie model (it inherits
    #: moviesearch.mixins.EmbeddedMovie); defaults to MOVIESEARCH_MOVIE_MODEL.
    model: str = ""
    #: The title a page shows and the dense text starts with.
    title = "title"
    #: Title fields an exact-title query matches (case-insensitively; index
    #: Upper(field) to make that an index lookup).
    titles: list = ["title"]
    #: The release year as an ORM path ("year", or "released__year" on a date);
    #: empty: decades in queries are not matched, and no year filter.
    year = ""
    #: A field ordering equally good matches, most popular first; empty: none.
    popularity = ""
    #: How many people rated the film (an ORM path): similar movies and
    #: recommendations lean towards well-known films; empty: `popularity` stands in.
    votes = ""
    #: A language code searches can be filtered by (an ORM path); empty: none.
    language = ""
    #: The film's TMDB id (an ORM path): the API shows it, and MovieLens ratings are
    #: joined on it (import_movielens, evaluate_recommendations); empty: none.
    tmdb_id = ""
    #: The text shown under a result's title, with the query's words marked (an ORM
    #: path to a text field); empty: none.
    summary = ""
    #: More of the film for the API's movie endpoint, by key: ORM paths.
    details: dict = {}
    #: What the model embeds, in order: paths, or (label, path) for a list of names
    #: written "Label: a, b." ("Genres: Drama, War.").
    dense: list = ["title"]
    #: Most names of one labelled list the dense text keeps.
    dense_list_limit = 12
    #: What the BM25 side indexes, by full-text weight (A title ... D story).
    lexical: dict = {"A": ["title"]}
    #: The names each movie carries, by role (director, cast, genre, keyword,
    #: studio: the companies that made it, "pixar movies"): paths
    #: to strings, in the order the movie lists them (the first genre is its main
    #: one). Queries are matched against them ("movie directed by ...", misspelled
    #: and partial names), results say which one matched, the genre filter reads
    #: them, and similar movies share them. A role the host does not have is left out.
    facts: dict = {}
    #: Loaded in bulk before documents are built (QuerySet.prefetch_related).
    prefetch: list = []
    #: Relations whose edits change a document: a many-to-many of the movie, a
    #: reverse foreign key (credits), or a path to a named row (credits__person: a
    #: renamed person makes their films stale). Signal receivers are connected per
    #: path when the app is ready.
    watch: list = []

    def get_model(self) -> type[models.Model]:
        label = self.model or settings.MOVIESEARCH_MOVIE_MODEL
        try:
            return apps.get_model(label, require_ready=False)
        except (LookupError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"moviesearch: the movie model {label!r} is not installed ({exc})."
            ) from None


def read(obj, path: str) -> tuple[list[str], bool]:
    """The strings at `path` on `obj` (a field, a related manager's rows, a method
    or property; lists flattened, empty values dropped), and whether they came
    through a related manager (many rows in the database's order)."""
    values, many = [obj], False
    for part in path.split("__"):
        found = []
        for value in values:
            attr = getattr(value, part)
            if isinstance(attr, models.Manager):
                found.extend(attr.all())
                many = True
                continue
            if callable(attr):
                attr = attr()
            if isinstance(attr, (list, tuple, set)):
                found.extend(attr)
            elif attr is not None:
                found.append(attr)
        values = found
    return [str(v) for v in values if v not in (None, "")], many


def value(obj, path: str):
    """The one value at `path` on `obj` ("year", "released__year", a method or a
    property), or None where a step is missing; "" for an empty path."""
    if not path:
        return ""
    for part in path.split("__"):
        if obj is None:
            return None
        try:
            obj = getattr(obj, part)
        except ObjectDoesNotExist:  # a reverse one-to-one without its row
            return None
        if callable(obj) and not isinstance(obj, models.Manager):
            obj = obj()
    return obj


def check_path(model, path: str) -> str | None:
    """Why `path` does not resolve on `model`, or None. Each hop is a field, a
    relation or an attribute of the class (a method, a property); after a plain
    field, only its transforms ("released__year")."""
    current, field = model, None
    for part in path.split("__"):
        if current is None:
            if field is not None and field.get_transform(part) is not None:
                continue
            return f"{path!r}: {part!r} follows a value that is not a relation"
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            if hasattr(current, part):
                current, field = None, None  # a method or property: a leaf
                continue
            return f"{path!r}: {current.__name__} has no field or attribute {part!r}"
        current = field.related_model if field.is_relation else None
    return None


@cache
def catalogue() -> Catalogue:
    """The configured declaration (MOVIESEARCH_CATALOGUE), made once per process."""
    dotted = settings.MOVIESEARCH_CATALOGUE
    cls = import_string(dotted) if dotted else Catalogue
    if not (isinstance(cls, type) and issubclass(cls, Catalogue)):
        raise ImproperlyConfigured(
            f"MOVIESEARCH_CATALOGUE {dotted!r} is not a moviesearch.catalogue."
            "Catalogue subclass."
        )
    return cls()


def movie_model() -> type[models.Model]:
    """The host's movie model."""
    return catalogue().get_model()
