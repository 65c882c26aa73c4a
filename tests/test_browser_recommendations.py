"""In headless Chromium: an anonymous visitor likes a film with the page's plain
form, and the film people liked with it is recommended on the next page."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Movie
from moviesearch.recommendations.models import Interaction
from moviesearch.recommendations.services import colikes_rebuild
from tests.browser import chromium, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def liked_together(demo_catalogue, fake_encoder):
    """Two films that three imported visitors liked together, co-likes built."""
    call_command("reindex", "--no-progress")
    first, second = Movie.objects.order_by("title")[:2]
    for visitor in ("x:1", "x:2", "x:3"):
        for movie in (first, second):
            Interaction.objects.create(
                external_id=visitor, movie=movie, kind="rated",
                rating=Decimal(5), created_at=timezone.now(),
            )  # fmt: skip
    colikes_rebuild()
    return first, second


@pytest.fixture
def page(liked_together):
    with chromium() as browser:
        yield new_page(browser)


def test_like_then_recommended_on_next_request(live_server, page, liked_together):
    from playwright.sync_api import expect

    first, second = liked_together
    page.goto(live_server.url + "/")
    expect(page.locator("h1.heading")).to_have_text("Popular films")
    expect(page.locator("section.for-you")).to_have_count(0)

    page.goto(live_server.url + first.get_absolute_url())
    page.click("section.interactions button.like")
    expect(page.locator("section.interactions button.liked")).to_have_text("♥ Liked")
    expect(page.locator("article.movie h1")).to_contain_text(first.title)
    shot(page, "liked")

    page.goto(live_server.url + "/")
    cards = page.locator("section.for-you li.card")
    expect(page.locator("section.for-you h2")).to_have_text("Recommended for you")
    expect(cards.first.locator("a.card-title")).to_have_text(second.title)
    expect(cards.first.locator(".because")).to_have_text(
        f"Because you liked {first.title}"
    )
    shot(page, "recommended")

    page.click("section.for-you a:has-text('Your history')")
    expect(page.locator("ol.history li")).to_contain_text(first.title)
    page.click("button.clear")
    expect(page.locator("p.empty")).to_contain_text("Nothing yet")
    page.goto(live_server.url + "/")
    expect(page.locator("section.for-you")).to_have_count(0)
