"""Why a search result matched (search.explain), in the API and on the page, and the
page's "Also loosely related" and "No films found"."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Keyword, Movie
from moviesearch.embeddings.models import Name
from moviesearch.search.entities import Entities
from moviesearch.search.explain import explain_results
from moviesearch.search.services import SearchResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(make_movie):
    spirited = make_movie(
        "Spirited Away", 2001, ["Animation", "Fantasy"], ["Hayao Miyazaki"],
        overview="A girl wanders into a world of spirits and works in a bathhouse.",
    )  # fmt: skip
    make_movie(
        "The Heist Job", 1994, ["Crime"], ["Someone Else"], ["Hayao Miyazaki"],
        overview="A bank heist <script>alert(1)</script> & its crew.",
    )  # fmt: skip
    spirited.keywords.add(Keyword.objects.create(name="bathhouse"))
    return list(Movie.objects.with_facts().order_by("title"))


def explained(text, movies, **entities):
    explain_results(text=text, movies=movies, entities=Entities(**entities))
    return {m.title: (m.because, m.snippet) for m in movies}


def test_the_named_person_says_directed_or_starring(films):
    miyazaki = Name.objects.get(kind="person", name="Hayao Miyazaki")
    found = explained(
        "movie directed by Hayao Miyazaki", films, people={miyazaki.pk: miyazaki.name}
    )
    assert found["Spirited Away"][0] == ["Directed by Hayao Miyazaki"]
    assert found["The Heist Job"][0] == ["Starring Hayao Miyazaki"]


def test_genre_keyword_decade_and_title(films):
    fantasy = Name.objects.get(kind="genre", name="Fantasy")
    keyword = Name.objects.get(kind="keyword", name="bathhouse")
    found = explained(
        "spirited away fantasy about a bathhouse",
        films,
        genres={fantasy.pk: "Fantasy"},
        keywords={keyword.pk: "bathhouse"},
        years=(2000, 2009),
    )
    because, snippet = found["Spirited Away"]
    assert because == [
        "Genre: Fantasy",
        "About bathhouse",
        "From the 2000s (2001)",
        "Title has “spirited”, “away”",
        "Overview mentions “spirits”, “bathhouse”",  # "spirited": same stem
    ]
    assert "<mark>bathhouse</mark>" in snippet
    assert explained("Spirited  away!", films)["Spirited Away"][0][0] == "Title match"


def test_the_snippet_marks_overview_words_and_escapes_the_rest(films):
    because, snippet = explained("daring heists", films)["The Heist Job"]
    assert "<mark>heist</mark>" in snippet  # "heists" matched through its stem
    assert "<script>" not in snippet  # ts_headline drops tags; the rest is escaped:
    assert "&amp; its crew" in snippet
    assert because == ["Overview mentions “heist”"]


def test_only_mark_is_markup():
    from moviesearch.search.explain import START, STOP, _html

    raw = f"<script>x</script> {START}<b>heist</b>{STOP} & {START}crew"
    assert _html(raw) == (
        "&lt;script&gt;x&lt;/script&gt; <mark>&lt;b&gt;heist&lt;/b&gt;</mark> "
        "&amp; crew"
    )


def test_nothing_literal_says_close_in_meaning_or_loosely_related(films):
    films[1].match = "loose"  # set by the ranking when strong matches run out
    found = explained("melancholy robots", films)
    assert found["Spirited Away"] == (["Close in meaning to your search"], "")
    assert found["The Heist Job"] == (["Loosely related in meaning"], "")


def test_one_query_for_the_page_headlines(films):
    with CaptureQueriesContext(connection) as queries:
        explained("girl in a bathhouse", films)
    assert len(queries) == 1
    assert "ts_headline" in queries[0]["sql"]


@pytest.fixture
def searchable(films, fake_encoder, settings):
    settings.SEARCH_RATE_LIMIT = 0
    call_command("reindex", "--no-progress", "--keep-index")


def test_api_results_carry_because_snippet_and_match(client, searchable):
    body = client.get("/api/search", {"q": "movie directed by Hayao Miyazaki"}).json()
    top = body["results"][0]
    assert top["title"] == "Spirited Away"
    assert "Directed by Hayao Miyazaki" in top["because"]
    assert top["match"] in ("strong", "loose")
    for result in body["results"]:
        assert isinstance(result["snippet"], str)
    popular = client.get("/api/search").json()["results"][0]
    assert (popular["because"], popular["snippet"], popular["match"]) == (
        [],
        "",
        "strong",
    )


def test_the_page_shows_why_and_highlights(client, searchable):
    html = client.get("/", {"q": "bank heist", "mode": "keyword"}).content.decode()
    assert 'class="because"' in html and "<mark>heist</mark>" in html
    assert "<script>alert" not in html


def test_the_page_puts_loose_results_under_their_own_heading(
    client, films, monkeypatch
):
    strong, loose = films
    loose.match = "loose"
    result = SearchResult([strong, loose], "hybrid")
    monkeypatch.setattr("moviesearch.search.views.movies_search", lambda params: result)
    html = client.get("/", {"q": "anything"}).content.decode()
    heading = html.index("Also loosely related")
    assert html.index("Spirited Away") < heading < html.index("The Heist Job")
    loose_only = SearchResult([loose], "hybrid")
    monkeypatch.setattr(
        "moviesearch.search.views.movies_search", lambda params: loose_only
    )
    html = client.get("/", {"q": "anything"}).content.decode()
    assert "No film matches everything you asked for" in html


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_no_results_says_no_films_found_with_tips(client, films, monkeypatch, mode):
    monkeypatch.setattr(
        "moviesearch.search.views.movies_search",
        lambda params: SearchResult([], params.mode),
    )
    html = client.get("/", {"q": "zzqxv blorf", "mode": mode}).content.decode()
    assert "No films found" in html and "Try fewer words" in html
    assert "Next →" not in html
