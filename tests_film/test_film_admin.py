"""The admin of the film host with every plugin app installed: the film admin built
with EmbeddedMovieAdmin (nearest films through recommendations' similar movies),
the interactions admin and the search quality admin (saved queries, judgments)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from moviesearch.quality.models import SavedQuery
from moviesearch.recommendations.models import Interaction

pytestmark = pytest.mark.django_db


def test_the_film_list_shows_status_filters_and_searches_by_meaning(
    admin_client, films
):
    listing = admin_client.get("/admin/films/film/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Orbit of Silence" in text and "current" in text
    found = admin_client.get(
        "/admin/films/film/", {"q": "~ puppets rebel against their master"}
    )
    text = found.content.decode()
    assert text.index("Dance of the Marionettes") < text.index("Ledger of Bones")
    stale = admin_client.get("/admin/films/film/", {"embedding": "stale"})
    assert stale.status_code == 200 and "Orbit of Silence" not in stale.content.decode()


def test_the_film_change_page_shows_the_nearest_films(admin_client, films):
    orbit = films["Orbit of Silence"]
    response = admin_client.get(f"/admin/films/film/{orbit.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nearest movies" in page and "Configured model" in page
    glass = films["Glass Orchard"]
    assert f'<a href="../../{glass.pk}/change/">Glass Orchard</a>' in page
    assert admin_client.get("/admin/films/film/add/").status_code == 200


def test_the_interactions_admin_lists_and_searches_by_film(admin_client, films):
    admin_client.post(  # the editor likes a film on the site
        f"/films/api/movies/{films['Orbit of Silence'].pk}/interactions",
        {"kind": "liked"},
        content_type="application/json",
    )
    assert Interaction.objects.filter(kind="liked").count() == 1
    listing = admin_client.get("/admin/moviesearch_recommendations/interaction/")
    assert listing.status_code == 200
    assert "Orbit of Silence" in listing.content.decode()
    found = admin_client.get(
        "/admin/moviesearch_recommendations/interaction/", {"q": "Orbit"}
    )
    assert found.status_code == 200
    assert "Orbit of Silence" in found.content.decode()


def test_the_judgment_form_finds_films_by_name(admin_client, films):
    found = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "moviesearch_quality", "model_name": "judgment",
         "field_name": "movie", "term": "Orbit"},
    )  # fmt: skip
    assert found.status_code == 200
    assert [r["text"] for r in found.json()["results"]] == ["Orbit of Silence"]


def test_staff_judge_results_and_evaluate_uses_them(admin_client, films, settings):
    settings.QUALITY_WIKIPEDIA_PATH = "/nonexistent/wikipedia.jsonl.gz"
    judged = [("Orbit of Silence", "good"), ("Glass Orchard", "bad")]
    forms = {
        "judgments-TOTAL_FORMS": "2",
        "judgments-INITIAL_FORMS": "0",
        "judgments-MIN_NUM_FORMS": "0",
        "judgments-MAX_NUM_FORMS": "1000",
    }
    for i, (name, verdict) in enumerate(judged):
        forms[f"judgments-{i}-movie"] = str(films[name].pk)
        forms[f"judgments-{i}-verdict"] = verdict
    response = admin_client.post(
        "/admin/moviesearch_quality/savedquery/add/",
        {"text": "an astronaut alone in orbit", "notes": "", **forms},
    )
    assert response.status_code == 302, response.content[:2000]
    saved = SavedQuery.objects.get()
    assert sorted(saved.judgments.values_list("movie__name", "verdict")) == sorted(
        judged
    )
    page = admin_client.get(f"/admin/moviesearch_quality/savedquery/{saved.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Current results" in text and "Orbit of Silence" in text and "✓ good" in text
    assert f"/admin/films/film/{films['Orbit of Silence'].pk}/change/" in text

    out = StringIO()
    call_command(
        "evaluate", "--json", "--families", "director", "--limit-per-family", "1",
        stdout=out,
    )  # fmt: skip
    rows = json.loads(out.getvalue())["results"]
    (hybrid,) = [r for r in rows if r["family"] == "judged" and r["mode"] == "hybrid"]
    assert hybrid["queries"] == 1 and hybrid["recall@100"] == 1.0
