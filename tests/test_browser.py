"""End to end in headless Chromium: home, search, a movie's page, a genre filter."""

import re

import pytest
from django.core.management import call_command

from tests.browser import chromium, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(demo_catalogue, fake_encoder):
    """The demo films, embedded with the fake encoder (the live server's thread
    shares the patch)."""
    call_command("reindex", "--no-progress")
    return demo_catalogue


@pytest.fixture
def page(catalogue):
    """A Chromium page, opened once the catalogue is in place."""
    with chromium() as browser:
        yield new_page(browser)


def test_search_movie_and_filter(live_server, page):
    from playwright.sync_api import expect

    # 1. The home page lists popular films, styled by the site's CSS.
    page.goto(live_server.url + "/")
    expect(page.locator("h1.heading")).to_have_text("Popular films")
    expect(page.locator("li.card").first).to_be_visible()
    grid = page.locator("ol.results").evaluate("e => getComputedStyle(e).display")
    assert grid == "grid", "static/css/site.css did not load"
    shot(page, "home")

    # 2. A search by director puts a Nolan film among the first results.
    page.fill("header form input[name=q]", "movie directed by Christopher Nolan")
    page.press("header form input[name=q]", "Enter")
    expect(page.locator("h1.heading")).to_contain_text("Christopher Nolan")
    page.wait_for_load_state()
    cards = page.locator("li.card")
    top = [card.locator(".meta").inner_text() for card in cards.all()[:3]]
    assert any("by Christopher Nolan" in meta for meta in top), top
    shot(page, "results")

    # 3. The first result's page shows the film and similar movies with a reason.
    title = cards.first.locator("a.card-title").inner_text()
    cards.first.locator("a.card-title").click()
    expect(page.locator("article.movie h1")).to_contain_text(title)
    similar = page.locator("section.similar li.card")
    expect(page.locator("section.similar h2")).to_have_text("Similar movies")
    expect(similar.first).to_be_visible()
    assert similar.count() == similar.locator(".because").count() > 0
    shot(page, "movie")

    # 4. Back on the results, a genre filter leaves only war films.
    page.go_back()
    page.select_option("form.filters select[name=genre]", "War")
    page.click("form.filters button:has-text('Apply')")
    expect(page).to_have_url(re.compile(r"[?&]genre=War(&|$)"))
    page.wait_for_load_state()
    expect(cards.first).to_be_visible()
    for card in cards.all():
        assert "War" in card.locator(".tag").all_inner_texts(), card.inner_text()
    shot(page, "filtered")
