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


_CURRENT_SQL = """
SELECT f.movie_id, f.role, n.name, f.position
FROM {fact} AS f JOIN {name} AS n ON n.id = f.name_id
WHERE f.movie_id = ANY(%s)
"""


def facts_refresh(movies: list, spec: Catalogue | None = None) -> None:
    """Bring the facts of these movies (their relations loaded) in line with the
    declaration, rewriting only the movies whose facts changed; call inside the
    transaction that writes their documents."""
    if not movies:
        return
    spec = spec or catalogue()
    wanted = {m.pk: set(facts_of(m, spec)) for m in movies}
    tables = {"fact": Fact, "name": Name}
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_CURRENT_SQL, **tables), [list(wanted)])
        stored: dict[int, set] = {pk: set() for pk in wanted}
        for movie_id, role, name, position in cursor.fetchall():
            stored[movie_id].add((role, name, position))
        changed = [pk for pk, facts in wanted.items() if facts != stored[pk]]
        if not changed:
            return
        rows = [(pk, *fact) for pk in changed for fact in wanted[pk]]
        ids, roles, names, positions = ([row[i] for row in rows] for i in range(4))
        kinds = [ROLES[role] for role in roles]
        cursor.execute(with_tables(_DELETE_SQL, **tables), [changed])
        if rows:
            cursor.execute(with_tables(_NAMES_SQL, **tables), [kinds, names])
            cursor.execute(
                with_tables(_FACTS_SQL, **tables), [ids, roles, kinds, names, positions]
            )


_ROLES_SQL = """
SELECT f.movie_id, f.role, array_agg(n.name ORDER BY f.position, n.name)
FROM {fact} AS f JOIN {name} AS n ON n.id = f.name_id
WHERE f.movie_id = ANY(%s)
GROUP BY f.movie_id, f.role
ORDER BY f.movie_id, f.role
"""


def attach_roles(movies) -> None:
    """Set each movie's `roles` (see roles_of) from one query for all of them."""
    found: dict = {movie.pk: {} for movie in movies}
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_ROLES_SQL, fact=Fact, name=Name), [list(found)])
        for movie_id, role, names in cursor.fetchall():
            found[movie_id][role] = list(names)
    for movie in movies:
        movie.__dict__["roles"] = found[movie.pk]


def roles_of(movie) -> dict[str, list[str]]:
    """{role: names in the movie's order} ({"director": ["Sofia Coppola"], "genre":
    ["Drama", "Romance"]}), as attach_roles set them (movies loaded with
    .with_facts()), else read for this movie alone."""
    if "roles" in movie.__dict__:
        return movie.__dict__["roles"]
    attach_roles([movie])
    return movie.__dict__["roles"]
