"""Keeps each movie's names (moviesearch.embeddings.models.Fact, Name) in step with
the host's data, read through the declaration (Catalogue.facts), in the transaction
that refreshes its documents. Search and recommendations read these tables, never
the host's people, genres or keywords tables."""

from django.db import connection

from moviesearch.catalogue import ROLES, Catalogue, catalogue, read
from moviesearch.embeddings.models import Fact, Name
from moviesearch.sql import with_tables

_NAMES_SQL = """
INSERT INTO {name} (kind, name)
SELECT DISTINCT kind, name FROM unnest(%s::text[], %s::text[]) AS v(kind, name)
ORDER BY kind, name
ON CONFLICT (kind, name) DO NOTHING
"""
_DELETE_SQL = "DELETE FROM {fact} WHERE movie_id = ANY(%s)"
_FACTS_SQL = """
INSERT INTO {fact} (movie_id, role, name_id, position)
SELECT v.movie_id, v.role, n.id, min(v.position)
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::int[])
     AS v(movie_id, role, kind, name, position)
JOIN {name} AS n ON n.kind = v.kind AND n.name = v.name
GROUP BY v.movie_id, v.role, n.id
"""
MAX_NAME = 300  # Name.name's max_length


def facts_of(movie, spec: Catalogue | None = None) -> list[tuple[str, str, int]]:
    """(role, name, position) for every name the declaration reads off `movie`."""
    spec = spec or catalogue()
    out = []
    for role, path in spec.facts.items():
        values, _ = read(movie, path)
        seen = set()
        for position, value in enumerate(values):
            value = " ".join(value.split())[:MAX_NAME]
            if value and value not in seen:
                seen.add(value)
                out.append((role, value, position))
    return out


def facts_refresh(movies: list, spec: Catalogue | None = None) -> None:
    """Replace the facts of these movies (their relations loaded); call inside the
    transaction that writes their documents."""
    if not movies:
        return
    spec = spec or catalogue()
    rows = [(m.pk, *fact) for m in movies for fact in facts_of(m, spec)]
    ids, roles, names, positions = (
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )
    kinds = [ROLES[role] for role in roles]
    tables = {"fact": Fact, "name": Name}
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(with_tables(_NAMES_SQL, **tables), [kinds, names])
        cursor.execute(with_tables(_DELETE_SQL, **tables), [[m.pk for m in movies]])
        if rows:
            cursor.execute(
                with_tables(_FACTS_SQL, **tables), [ids, roles, kinds, names, positions]
            )
