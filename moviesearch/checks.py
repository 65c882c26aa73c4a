"""`manage.py check` for the plugin's settings and the host's declaration: a missing
setting, a model without the plugin's columns or HNSW index, or a declared path that
does not resolve is named before anything runs."""

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string

from moviesearch.conf import movie_model_label, settings

REQUIRED_COLUMNS = ("document_hash", "search_vector", "embedding", "embedding_hash")


def _error(msg: str, id: int, hint: str | None = None) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"moviesearch.E{id:03d}")


def _paths(spec) -> list[tuple[str, str]]:
    """(attribute, path) for every value path the declaration reads."""
    out = _column_paths(spec)
    out += [(f"details[{key!r}]", p) for key, p in spec.details.items()]
    for item in spec.dense:
        out.append(("dense", item[1] if isinstance(item, tuple) else item))
    for weight, paths in spec.lexical.items():
        out += [(f"lexical[{weight!r}]", p) for p in paths]
    out += [(f"facts[{role!r}]", p) for role, p in spec.facts.items()]
    return out  # prefetch and watch are relation paths: _relation_path_error


def _column_paths(spec) -> list[tuple[str, str]]:
    """(attribute, path) of what SQL and filters read as a column of the model's
    own table."""
    out = [("title", spec.title)] + [("titles", t) for t in spec.titles]
    single = ("year", "popularity", "votes", "language", "tmdb_id", "summary")
    return out + [(a, getattr(spec, a)) for a in single if getattr(spec, a)]


def _column_error(model, path: str, *, year: bool = False) -> str | None:
    """Why `path` is not a column of the model's table (for `year`: a whole
    number, or a date's "__year"), or None."""
    from moviesearch.sql import column

    try:
        column(model, path)
    except (FieldDoesNotExist, ValueError):
        return f"{path!r} must be a field of {model.__name__} itself (a column)"
    field = model._meta.get_field(path.partition("__")[0])
    # Small, big and positive integer fields are IntegerFields too.
    if year and "__" not in path and not isinstance(field, models.IntegerField):
        return f"{path!r} must be a whole number, or a date's year ('{path}__year')"
    return None


def _relation_path_error(model, path: str) -> str | None:
    """Why `path` is not a chain of relations of `model`, or None."""
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.is_relation:
            return f"{path!r}: {part!r} is not a relation of {current.__name__}"
        current = field.related_model
    return None


@checks.register()
def check_declaration(app_configs=None, **kwargs):
    from moviesearch.catalogue import ROLES, WEIGHTS, Catalogue, check_path

    errors = []
    try:
        label = movie_model_label()
    except ImproperlyConfigured as exc:
        return [_error(str(exc), 1)]
    dotted = settings.MOVIESEARCH_CATALOGUE
    try:
        cls = import_string(dotted) if dotted else Catalogue
    except ImportError as exc:
        return [
            _error(f"MOVIESEARCH_CATALOGUE {dotted!r} cannot be imported: {exc}", 2)
        ]
    if not (isinstance(cls, type) and issubclass(cls, Catalogue)):
        return [_error(f"MOVIESEARCH_CATALOGUE {dotted!r} is not a Catalogue", 2)]
    spec = cls()
    try:
        model = spec.get_model()
    except ImproperlyConfigured as exc:
        return [_error(str(exc), 3)]
    if spec.model and model._meta.label_lower != label.lower():
        errors.append(
            _error(
                f"{cls.__name__}.model is {spec.model!r} but MOVIESEARCH_MOVIE_MODEL "
                f"is {label!r}: the plugin's tables point at the latter.",
                3,
            )
        )
    names = {f.name for f in model._meta.get_fields()}
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        errors.append(
            _error(
                f"{model._meta.label} has no {', '.join(missing)}.",
                4,
                hint="Inherit moviesearch.mixins.EmbeddedMovie and make a migration.",
            )
        )
    from moviesearch.embeddings import schema

    try:
        schema.hnsw_index()
    except ImproperlyConfigured as exc:
        errors.append(_error(str(exc), 5))
    for attribute, path in _paths(spec):
        why = check_path(model, path)
        if why:
            errors.append(_error(f"{cls.__name__}.{attribute}: {why}.", 6))
    for attribute, path in _column_paths(spec):
        why = _column_error(model, path, year=attribute == "year")
        if why:
            errors.append(_error(f"{cls.__name__}.{attribute}: {why}.", 11))
    if not spec.titles:
        errors.append(
            _error(f"{cls.__name__}.titles is empty: name a title field.", 11)
        )
    for attribute in ("prefetch", "watch"):
        for item in getattr(spec, attribute):
            # A Prefetch object names its path as prefetch_through.
            why = _relation_path_error(model, getattr(item, "prefetch_through", item))
            if why:
                errors.append(_error(f"{cls.__name__}.{attribute}: {why}.", 7))
    for attribute, allowed, id in (("lexical", WEIGHTS, 8), ("facts", ROLES, 10)):
        unknown = set(getattr(spec, attribute)) - set(allowed)
        if unknown:
            errors.append(
                _error(
                    f"{cls.__name__}.{attribute} has keys {sorted(unknown)}; "
                    f"use {', '.join(allowed)}.",
                    id,
                )
            )
    backend = settings.EMBEDDING_BACKEND
    if backend not in ("onnx", "torch", "onnx-int8"):
        errors.append(
            _error(
                f"EMBEDDING_BACKEND is {backend!r}; use onnx, torch or onnx-int8.", 9
            )
        )
    return errors
