"""Generated bad input (hypothesis) against every endpoint and page, in process:
empty, huge, unicode, control characters and NUL, SQL and HTML metacharacters,
negative, non-numeric and huge numbers, repeated and unknown parameters, broken
percent-encoding. No response may be a 5xx, API answers are JSON, and HTML never
echoes markup from the input. Prints how many requests were made."""

import json
import warnings
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import CacheKeyWarning, cache
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

FUZZ = hypothesis_settings(
    deadline=None,
    database=None,  # no .hypothesis/ folder in the tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEARCH_PARAMS = [
    "q", "mode", "limit", "page", "genre", "year_min", "year_max", "language",
]  # fmt: skip
PAGE_PARAMS = ["limit", "page"]

# Markup that must never come back unescaped in a page (the templates have none).
MARKUP = ['<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>']
NASTY = [
    "", " ", "\x00", "a\x00b", "\t\n\r", "\x1b[31m", "\x7f", "\u200b", "\u202e",
    "\ufeff", "😀", "Ｆ", "ǅ", "ß", "İ", "%", "%00", "%%", "&", "=", "+", "#", "?",
    "'", '"', "`", ";", "--", "/*", "*/", "\\", "' OR '1'='1", "1; DROP TABLE x;--",
    "'); SELECT pg_sleep(10);--", "$$", "::", "&|!<->", "a:*", "!!", "(", ")", "{}",
    "[]", "null", "None", "true", "NaN", "inf", "-inf", "1e309", "0x10", "0", "-0",
    "-1", "1.5", "١٢", "１２", "99999999999999999999999999", str(-(10**40)),
    "hybrid", "semantic", "keyword", "HYBRID", " keyword ", "en", "EN", "fr-ca",
    "zz-zzzzzzzzz", "Drama", "drama", " Science  Fiction ", "Animation", "x" * 501,
    "word " * 400, "é" * 5000, *MARKUP,
]  # fmt: skip

safe_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(-5, 1200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
value = st.one_of(
    st.sampled_from(NASTY),
    safe_text,
    numbers,
    st.lists(st.sampled_from(NASTY) | safe_text, max_size=4).map("".join),
    st.text(max_size=3000, alphabet=st.characters(codec="utf-8")),
)


def pairs(names):
    """Query-string pairs: known and unknown names, repeats included (up to 14
    genres: more than the 10 allowed)."""
    name = st.sampled_from([*names, "zz", "", "q[]", "Q"]) | safe_text
    genre = st.sampled_from(["Drama", "drama", "Horror", "Nope", ""]) | value
    return st.lists(st.tuples(name, value), max_size=8) | st.lists(
        st.tuples(st.just("genre"), genre), min_size=9, max_size=14
    )


# Raw query strings: broken percent-encoding, stray separators, invalid UTF-8.
raw_query = st.lists(
    st.one_of(
        st.binary(max_size=12).map(lambda b: "".join(f"%{x:02X}" for x in b)),
        st.sampled_from(["&", "=", "&&", "==", "%", "%G0", "%0", "+", ";", "q=", "a"]),
        st.sampled_from(SEARCH_PARAMS).map(lambda n: n + "="),
    ),
    max_size=12,
).map("".join)

movie_id = st.one_of(
    st.integers(0, 10**40).map(str),
    st.sampled_from(["1", "2", "3", "01", "0", "-1", "abc", "1.0", "%00", "", "1e3"]),
    safe_text.map(lambda t: quote(t, safe="")),
)


class Stats:
    requests = 0
    errors: list = []
    tests: set = set()


@pytest.fixture
def catalogue(request, make_movie, fake_encoder, settings):
    """A few movies with vectors (semantic and similar paths run), rate limit off."""
    from django.core.management import call_command

    Stats.tests.add(request.node.name)
    settings.SEARCH_RATE_LIMIT = 0
    cache.clear()
    make_movie(
        "Alien", 1979, genres=["Horror", "Science Fiction"],
        directors=["Ridley Scott"], cast=["Sigourney Weaver"],
        overview="A crew meets a deadly creature.", original_language="en",
    )  # fmt: skip
    make_movie(
        "Amélie", 2001, genres=["Comedy", "Romance"],
        directors=["Jean-Pierre Jeunet"], cast=["Audrey Tautou"],
        overview="A shy waitress in Paris.", original_language="fr",
    )  # fmt: skip
    make_movie(
        "Spirited Away", 2001, genres=["Animation", "Fantasy"],
        directors=["Hayao Miyazaki"], overview="A girl in a spirit world.",
        original_language="ja",
    )  # fmt: skip
    make_movie('<b>Bold</b> & "Quoted"', 1999, genres=["Drama"])
    call_command("reindex", "--no-progress", "--keep-index")
    return Client()


def fetch(client, path, query=""):
    response = client.get(path + ("?" + query if query else ""))
    Stats.requests += 1
    if response.status_code >= 500:
        Stats.errors.append((path, query, response.status_code))
    assert response.status_code < 500, (path, query, response.status_code)
    kind = response.get("Content-Type", "")
    if path.startswith("/api/") or path == "/healthz":
        assert kind == "application/json", (path, query, kind)
        json.loads(response.content)
    elif kind.startswith("text/html"):
        body = response.content.decode()
        for markup in MARKUP:
            assert markup not in body, (path, query)
        assert "<img src=x" not in body and "<script>alert" not in body
    return response


@given(query=pairs(SEARCH_PARAMS))
@hypothesis_settings(FUZZ, max_examples=2000)
def test_search_api(catalogue, query):
    response = fetch(catalogue, "/api/search", urlencode(query))
    assert response.status_code in (200, 400), response.content[:200]


@given(query=pairs(SEARCH_PARAMS))
@hypothesis_settings(FUZZ, max_examples=1500)
def test_search_page(catalogue, query):
    response = fetch(catalogue, "/", urlencode(query))
    assert response.status_code in (200, 400)


@given(pk=movie_id, query=pairs(PAGE_PARAMS))
@hypothesis_settings(FUZZ, max_examples=1000)
def test_movie_endpoints(catalogue, pk, query):
    encoded = urlencode(query)
    for path in (f"/api/movies/{pk}", f"/api/movies/{pk}/similar", f"/movies/{pk}/"):
        response = fetch(catalogue, path, encoded)
        assert response.status_code in (200, 301, 400, 404), path


@given(
    path=st.sampled_from(
        ["/api/search", "/", "/api/movies/1/similar", "/api/movies/1", "/movies/1/",
         "/healthz", "/api/openapi.json"]
    ),
    query=raw_query,
)  # fmt: skip
@hypothesis_settings(FUZZ, max_examples=1500)
def test_raw_query_strings(catalogue, path, query):
    fetch(catalogue, path, query)


@given(
    segment=safe_text.map(lambda t: quote(t, safe="/")),
    query=pairs(SEARCH_PARAMS),
)
@hypothesis_settings(FUZZ, max_examples=800)
def test_unknown_paths_and_health(catalogue, segment, query):
    encoded = urlencode(query)
    fetch(catalogue, f"/api/{segment}", encoded)
    assert fetch(catalogue, "/healthz", encoded).status_code == 200
    fetch(catalogue, f"/{segment}", encoded)


@given(forwarded=value, query=pairs(["q", "mode"]))
@hypothesis_settings(FUZZ, max_examples=500)
def test_rate_limited_client_addresses(catalogue, settings, forwarded, query):
    """The limiter keys its counter by a client-supplied header behind a proxy."""
    settings.SEARCH_RATE_LIMIT = 1000
    settings.RATE_LIMIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # memcached would refuse it
        response = catalogue.get(
            "/api/search?" + urlencode([("q", "alien"), *query]),
            headers={"x-forwarded-for": forwarded.replace("\x00", "")},
        )
    Stats.requests += 1
    assert response.status_code in (200, 400, 429)


def test_enough_requests_and_no_5xx(capsys):
    """Runs last (file order): the whole file's tally."""
    with capsys.disabled():
        print(f"\nfuzz: {Stats.requests} requests, {len(Stats.errors)} >= 500")
    assert not Stats.errors
    if len(Stats.tests) < 6:
        pytest.skip("only part of the fuzz file ran")
    assert Stats.requests >= 10_000
