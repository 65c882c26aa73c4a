"""Suggestions as a visitor types: titles, people, genres and studios with a word
starting with the text, the most prominent first; near misses (pg_trgm) when none
has."""

from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.embeddings.models import Fact, Name
from moviesearch.search.studios import MIN_FILMS, studio_phrase
from moviesearch.sql import column, quote, with_tables

MAX_LENGTH = 100
MAX_LIMIT = 20
# Near misses only from this many characters: "nol" resembles "now" and "noon".
FUZZY_FROM = 4
# Left out of the text near misses are looked for with: "the" alone made "the nuc"
# resemble 3,333 titles (143 ms).
FUZZY_IGNORES = {"a", "an", "the", "of", "and", "in", "on", "to", "for", "with", "by"}
# Shorter texts match thousands of people, whose films are counted (30-90 ms for
# "jo"); there are few such texts, so their answers are cached for this long.
SHORT = 3
SHORT_CACHE_SECONDS = 600
# pg_trgm's word_similarity floor for a near miss (its default, 0.6, misses
# "godfahter" and "scorcese", 0.5 each); the trigram indexes answer `%>` with it.
WORD_SIMILARITY = 0.5

# SQL, not the ORM: a suggestion is asked for at every pause in typing, and
# compiling five annotated querysets cost as much as running them (p50 24 ms against
# 9 in bench/suggest.py, same machine). The LIKE patterns and `%>` are answered by
# the trigram indexes on lower(title) and lower(name); `popularity + 0` keeps the
# planner off the popularity index, which it walks past every row for a rare
# prefix (38 ms at 12k films). Each part keeps its order in `place`.
PREFIX = """
WITH movie AS (
    SELECT {pk} AS id, {title} AS title, {year} AS year,
           row_number() OVER (ORDER BY {popularity} + 0 DESC NULLS LAST, {pk})
    FROM {movie}
    WHERE lower({title}) LIKE %(start)s OR lower({title}) LIKE %(word)s
    ORDER BY {popularity} + 0 DESC NULLS LAST, {pk} LIMIT %(limit)s
), person AS (
    SELECT p.id, p.name, count(DISTINCT c.movie_id) AS films,
           count(*) FILTER (WHERE c.role = 'director') AS directed,
           count(*) FILTER (WHERE c.role = 'cast') AS acted,
           row_number() OVER (ORDER BY count(DISTINCT c.movie_id) DESC, p.name, p.id)
    FROM {name} p JOIN {fact} c ON c.name_id = p.id AND c.role IN ('director', 'cast')
    WHERE p.kind = 'person'
      AND (lower(p.name) LIKE %(start)s OR lower(p.name) LIKE %(word)s)
    GROUP BY p.id ORDER BY films DESC, p.name, p.id LIMIT %(limit)s
), genre AS (
    SELECT g.id, g.name, count(mg.movie_id) AS films,
           row_number() OVER (ORDER BY count(mg.movie_id) DESC, g.name)
    FROM {name} g LEFT JOIN {fact} mg ON mg.name_id = g.id AND mg.role = 'genre'
    WHERE g.kind = 'genre'
      AND (lower(g.name) LIKE %(start)s OR lower(g.name) LIKE %(word)s)
    GROUP BY g.id ORDER BY films DESC, g.name LIMIT %(limit)s
), studio AS (  -- a studio of one film is no reading of a search (search.studios)
    SELECT s.id, s.name, count(f.movie_id) AS films,
           row_number() OVER (ORDER BY count(f.movie_id) DESC, s.name, s.id)
    FROM {name} s JOIN {fact} f ON f.name_id = s.id AND f.role = 'studio'
    WHERE s.kind = 'studio'
      AND (lower(s.name) LIKE %(start)s OR lower(s.name) LIKE %(word)s)
    GROUP BY s.id HAVING count(f.movie_id) >= %(studio_films)s
    ORDER BY films DESC, s.name, s.id LIMIT %(limit)s
)
SELECT 'title', row_number, id, title, year, 0, 0, 0 FROM movie
UNION ALL
SELECT 'person', row_number, id, name, NULL, films, directed, acted FROM person
UNION ALL
SELECT 'genre', row_number, id, name, NULL, films, 0, 0 FROM genre
UNION ALL
SELECT 'studio', row_number, id, name, NULL, films, 0, 0 FROM studio
ORDER BY 1, 2
"""
# Near misses, most similar first; people are counted only once chosen, studios
# (a few thousand names at 12k films) as they are matched.
NEAR = """
WITH movie AS (
    SELECT {pk} AS id, {title} AS title, {year} AS year, row_number() OVER (
        ORDER BY word_similarity(%(near)s, lower({title})) DESC,
                 {popularity} DESC NULLS LAST, {pk}
    )
    FROM {movie} WHERE lower({title}) %%> %(near)s
    ORDER BY word_similarity(%(near)s, lower({title})) DESC,
             {popularity} DESC NULLS LAST, {pk}
    LIMIT %(limit)s
), person AS (
    SELECT p.id, p.name, row_number() OVER (
        ORDER BY word_similarity(%(near)s, lower(p.name)) DESC, p.id
    )
    FROM {name} p
    WHERE lower(p.name) %%> %(near)s AND p.kind = 'person'
      AND EXISTS (SELECT FROM {fact} c WHERE c.name_id = p.id)
    ORDER BY word_similarity(%(near)s, lower(p.name)) DESC, p.id LIMIT %(limit)s
), studio AS (
    SELECT s.id, s.name, c.films, row_number() OVER (
        ORDER BY word_similarity(%(near)s, lower(s.name)) DESC, c.films DESC, s.id
    )
    FROM {name} s CROSS JOIN LATERAL (
        SELECT count(*) AS films FROM {fact}
        WHERE name_id = s.id AND role = 'studio'
    ) c
    WHERE lower(s.name) %%> %(near)s AND s.kind = 'studio'
      AND c.films >= %(studio_films)s
    ORDER BY word_similarity(%(near)s, lower(s.name)) DESC, c.films DESC, s.id
    LIMIT %(limit)s
)
SELECT 'title', row_number, id, title, year, 0, 0, 0 FROM movie
UNION ALL
SELECT 'person', p.row_number, p.id, p.name, NULL, c.films, c.directed, c.acted
FROM person p CROSS JOIN LATERAL (
    SELECT count(DISTINCT movie_id) AS films,
           count(*) FILTER (WHERE role = 'director') AS directed,
           count(*) FILTER (WHERE role = 'cast') AS acted
    FROM {fact} WHERE name_id = p.id AND role IN ('director', 'cast')
) c
UNION ALL
SELECT 'studio', row_number, id, name, NULL, films, 0, 0 FROM studio
ORDER BY 1, 2
"""


def suggest(*, text: str, limit: int = 8) -> dict[str, list[dict]]:
    """Titles, people, genres and studios for what has been typed so far, up to
    limit each: those with a word starting with the text (most popular, most films
    first); near misses (most similar first) when nothing has."""
    text = " ".join(text.lower().split())
    if len(text) < SHORT:
        key = f"suggest:{limit}:{url_quote(text)}"  # memcached-safe
        return cache.get_or_set(key, lambda: _suggest(text, limit), SHORT_CACHE_SECONDS)
    return _suggest(text, limit)


def _suggest(text: str, limit: int) -> dict[str, list[dict]]:
    pattern = _like(text)
    params = {"start": f"{pattern}%", "word": f"% {pattern}%", "limit": limit}
    params["studio_films"] = MIN_FILMS
    with connection.cursor() as cursor:
        cursor.execute(_sql(PREFIX), params)
        rows = cursor.fetchall()
    near = " ".join(w for w in text.split() if w not in FUZZY_IGNORES)
    # Near misses only when nothing starts with the text: a misspelling, most
    # likely; while prefixes match, they would only add noise (and 6-9 ms).
    if not rows and len(near) >= FUZZY_FROM:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY]
            )
            cursor.execute(
                _sql(NEAR),
                {"near": near, "limit": limit, "studio_films": MIN_FILMS},
            )
            rows = cursor.fetchall()
    found = _as_json(rows)
    if len(found["titles"]) < limit and len(text.split()) == 1:
        found["titles"] = _joined(text, found["titles"])[:limit]
    return found


def _joined(text: str, titles: list[dict]) -> list[dict]:
    """A title typed as one word first ("xmen" X-Men, "walle" WALL·E: the search's
    joined_titles), then the titles found."""
    from moviesearch.search.fame import fame_order
    from moviesearch.search.ranking import joined_titles

    model, spec = movie_model(), catalogue()
    ids = joined_titles(model.objects.all(), text)
    if not ids:
        return titles
    year = [spec.year] if spec.year else []
    rows = (
        model.objects.filter(pk__in=ids)
        .order_by(*fame_order(spec), "pk")
        .values_list("pk", spec.title, *year)
    )
    joined = _as_json(
        ("title", None, pk, title, rest[0] if rest else None, 0, 0, 0)
        for pk, title, *rest in rows
    )["titles"]
    ids = set(ids)
    return joined + [t for t in titles if t["id"] not in ids]


def _sql(template: str) -> str:
    model, spec = movie_model(), catalogue()
    columns = {
        "pk": quote(model._meta.pk.column),
        "title": column(model, spec.title),
        "year": column(model, spec.year, empty="NULL::int"),
        "popularity": column(model, spec.popularity, empty="0::int"),
    }
    for name, sql in columns.items():
        template = template.replace("{" + name + "}", sql)
    return with_tables(template, movie=model, name=Name, fact=Fact)


def _as_json(rows) -> dict[str, list[dict]]:
    found = {"titles": [], "people": [], "genres": [], "studios": []}
    for kind, _place, pk, label, year, films, directed, acted in rows:
        if kind == "title":
            url = reverse("moviesearch:movie", args=[pk])
            found["titles"].append({"id": pk, "title": label, "year": year, "url": url})
        elif kind == "person":
            role = "director" if directed >= acted else "actor"
            search = f"movie directed by {label}" if role == "director" else (
                f"movies starring {label}"
            )  # fmt: skip
            found["people"].append(
                {"id": pk, "name": label, "role": role, "films": films}
                | {"url": _search_url(search)}
            )
        elif kind == "studio":
            found["studios"].append(
                {"name": label, "films": films}
                | {"url": _search_url(f"{studio_phrase(label)} movies")}
            )
        else:
            found["genres"].append(
                {"name": label, "films": films}
                | {"url": _search_url(f"{label.lower()} movies")}
            )
    return found


def _like(text: str) -> str:
    """text as a LIKE pattern that matches itself only."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_url(text: str) -> str:
    return f"{reverse('moviesearch:home')}?{urlencode({'q': text})}"
