"""In headless Chromium, what a visitor meets: suggestions while typing (an ARIA
combobox driven by the keyboard), why each result matched with the matched words
highlighted, "No films found" for nonsense, and a search box that works without
JavaScript. Screenshots go to artifacts/browser/ as in test_browser.py."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.browser import chromium, new_page, shot

BOX = "header form input[name=q]"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(demo_catalogue, fake_encoder, settings):
    """The demo films (Christopher Nolan's and Hayao Miyazaki's among them), embedded
    with the fake encoder (the live server's thread shares the patch)."""
    settings.SEARCH_RATE_LIMIT = 0
    call_command("reindex", "--no-progress")
    cache.clear()  # suggestions for short texts are cached
    return demo_catalogue


@pytest.fixture
def browser(catalogue):
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    return new_page(browser)


def test_typing_offers_a_director_and_choosing_him_searches(live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    box = page.locator(BOX)
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("nol", delay=60)
    listbox = page.locator("#suggest-list[role=listbox]")
    nolan = listbox.get_by_role("option", name=re.compile("Christopher Nolan"))
    expect(nolan).to_be_visible()
    expect(nolan).to_contain_text("Director")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "suggest-list")
    shot(page, "suggest")

    # Escape closes the list; ArrowDown brings it back.
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")
    expect(nolan).to_be_visible()

    # Arrow keys walk the options (aria-activedescendant) up to Nolan; Enter.
    options = listbox.get_by_role("option")
    target = nolan.get_attribute("id")
    for _ in range(options.count()):
        box.press("ArrowDown")
        if box.get_attribute("aria-activedescendant") == target:
            break
    expect(nolan).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q=movie\+directed\+by\+Christopher\+Nolan"))
    expect(page.locator("h1.heading")).to_contain_text("Christopher Nolan")
    expect(page.locator("li.card").first).to_be_visible()
    shot(page, "suggest-chosen")


def test_a_result_card_says_why_and_highlights_matched_words(live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/?q=movie+directed+by+Hayao+Miyazaki")
    first = page.locator("li.card").first
    expect(first.locator(".by")).to_contain_text("Hayao Miyazaki")
    expect(first.locator(".because")).to_contain_text("Directed by Hayao Miyazaki")
    shot(page, "because-director")

    page.goto(live_server.url + "/?q=girl+trapped+in+a+world+of+spirits")
    marks = page.locator("li.card .snippet mark")
    expect(marks.first).to_be_visible()
    words = {w.lower() for w in marks.all_inner_texts()}
    assert words & {"girl", "trapped", "world", "spirits"}, words
    assert page.locator("li.card .because", has_text="Overview mentions").count()
    shot(page, "because-highlight")


def test_nonsense_says_no_films_found_in_the_default_mode(live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.fill(BOX, "zzqxv blorf")
    page.locator(BOX).press("Enter")  # no option chosen: the form searches the text
    expect(page).to_have_url(re.compile(r"q=zzqxv\+blorf"))
    expect(page.locator(".empty h2")).to_have_text("No films found")
    expect(page.locator(".empty")).to_contain_text("Try fewer words")
    expect(page.locator("li.card")).to_have_count(0)
    shot(page, "no-results")


def test_the_search_box_works_without_javascript(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    box = page.locator(BOX)
    assert box.get_attribute("role") is None  # no script: a plain search box
    box.fill("movie directed by Christopher Nolan")
    box.press("Enter")
    expect(page.locator("h1.heading")).to_contain_text("Christopher Nolan")
    expect(page.locator("li.card").first).to_be_visible()
    context.close()
