"""Interactions, co-likes, recommendations and the evaluation's split, on real
PostgreSQL (the fake encoder gives the films vectors: plumbing, not quality)."""

import gzip
import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from catalog.models import Movie
from moviesearch.recommendations.models import CoLike, Interaction, LikeCount
from moviesearch.recommendations.selectors import recommended
from moviesearch.recommendations.services import anonymous_expire, colikes_rebuild
from moviesearch.recommendations.split import (
    Event,
    by_user,
    held_out_split,
    users_split,
)
from moviesearch.recommendations.visitors import Visitor

pytestmark = pytest.mark.django_db

TITLES = ["Heat", "Ronin", "Collateral", "Amélie", "Chocolat", "Alien", "Aliens"]


@pytest.fixture
def films(make_movie, fake_encoder, settings):
    settings.RECOMMENDATIONS_WRITE_RATE_LIMIT = 0
    genres = ["Crime", "Crime", "Crime", "Romance", "Romance", "Horror", "Horror"]
    made = {
        t: make_movie(t, 1990 + i, genres=[g], tmdb_id=100 + i, vote_count=10 * i)
        for i, (t, g) in enumerate(zip(TITLES, genres, strict=True))
    }
    call_command("reindex", "--no-progress", "--keep-index")
    return made


def like(visitor_id: str, *movies):
    for movie in movies:
        Interaction.objects.create(
            external_id=visitor_id,
            movie=movie,
            kind="rated",
            rating=Decimal("4.5"),
            created_at=timezone.now(),
        )


@pytest.fixture
def crowd(films):
    """Three visitors who like crime films together; one also likes Amélie."""
    like("x:1", films["Heat"], films["Ronin"], films["Collateral"])
    like("x:2", films["Heat"], films["Ronin"])
    like("x:3", films["Heat"], films["Ronin"], films["Amélie"])
    colikes_rebuild()
    return films


def test_colikes_are_cosine_over_likers(crowd):
    pairs = {
        (c.movie.title, c.other.title): (c.together, c.score)
        for c in CoLike.objects.select_related("movie", "other")
    }
    # Heat and Ronin: 3 likers each, 3 together; cosine 3 / sqrt(3 * 3) = 1.
    assert pairs[("Heat", "Ronin")] == (3, pytest.approx(1.0))
    # Pairs liked together by only one visitor are below MIN_TOGETHER (2).
    assert ("Heat", "Collateral") not in pairs
    counts = dict(LikeCount.objects.values_list("movie__title", "likers"))
    assert counts == {"Heat": 3, "Ronin": 3, "Collateral": 1, "Amélie": 1}


def test_anonymous_like_changes_recommendations_on_next_request(client, crowd):
    assert client.get("/api/recommendations").json()["results"] == []
    heat = crowd["Heat"]
    response = client.post(
        f"/api/movies/{heat.pk}/interactions",
        {"kind": "liked"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = client.get("/api/recommendations", {"limit": 3}).json()
    titles = [r["title"] for r in body["results"]]
    assert titles[0] == "Ronin", titles
    assert body["results"][0]["because"] == ["Because you liked Heat"]
    assert "Heat" not in titles
    # Another browser has its own (empty) history.
    assert Client().get("/api/recommendations").json()["results"] == []


def test_dismissal_is_respected(client, crowd):
    heat, ronin = crowd["Heat"], crowd["Ronin"]
    url = "/api/movies/{}/interactions"
    client.post(url.format(heat.pk), {"kind": "liked"}, content_type="application/json")
    client.post(
        url.format(ronin.pk), {"kind": "dismissed"}, content_type="application/json"
    )
    ids = [r["id"] for r in client.get("/api/recommendations").json()["results"]]
    assert ids and ronin.pk not in ids
    # Dismissing a liked film withdraws the like.
    client.post(
        url.format(heat.pk), {"kind": "dismissed"}, content_type="application/json"
    )
    kinds = set(Interaction.objects.filter(movie=heat).values_list("kind", flat=True))
    assert "liked" not in kinds and "dismissed" in kinds
    assert client.get("/api/recommendations").json()["results"] == []


def test_recommendations_exclude_rated_and_stay_diverse(crowd):
    visitor = Visitor(external_id="x:9")
    like("x:9", crowd["Heat"])
    Interaction.objects.create(
        external_id="x:9", movie=crowd["Ronin"], kind="rated", rating=2,
        created_at=timezone.now(),
    )  # fmt: skip
    picks = [r.movie_id for r in recommended(visitor=visitor, limit=10)]
    assert crowd["Heat"].pk not in picks and crowd["Ronin"].pk not in picks
    assert len(picks) == len(set(picks))


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"kind": "rated", "rating": 7}, 400, "0.5 to 5"),
        ({"kind": "rated", "rating": 4.25}, 400, "steps of 0.5"),
        ({"kind": "rated", "rating": "NaN"}, 400, "0.5 to 5"),
        ({"kind": "rated"}, 400, "rating is required"),
        ({"kind": "liked", "rating": 4}, 400, "only with kind=rated"),
        ({"kind": "loved"}, 400, "kind must be one of"),
        ({}, 400, "kind is required"),
        ({"kind": "rated", "rating": True}, 400, "number"),
    ],
)
def test_bad_interactions_write_nothing(client, films, body, status, message):
    response = client.post(
        f"/api/movies/{films['Heat'].pk}/interactions",
        body,
        content_type="application/json",
    )
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not Interaction.objects.exists()


def test_unknown_film_and_bad_json(client, films):
    missing = Movie.objects.order_by("-pk").first().pk + 1
    response = client.post(
        f"/api/movies/{missing}/interactions", {"kind": "liked"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404
    response = client.post(
        f"/api/movies/{films['Heat'].pk}/interactions", "{not json",
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_a_flood_of_clicks_is_refused(client, films, settings):
    settings.RECOMMENDATIONS_WRITE_RATE_LIMIT = 5
    from django.core.cache import cache

    cache.clear()
    url = f"/api/movies/{films['Heat'].pk}/interactions"
    codes = [
        client.post(url, {"kind": "liked"}, content_type="application/json").status_code
        for _ in range(12)
    ]
    assert codes[:5] == [201] * 5 and set(codes[5:]) == {429}
    assert Interaction.objects.count() == 1  # a repeated like is one row


def test_rating_is_stored_in_half_steps(client, films):
    url = f"/api/movies/{films['Heat'].pk}/interactions"
    response = client.post(url, {"kind": "rated", "rating": "3.5"})  # a plain form
    assert response.status_code == 201
    assert response.json()["rating"] == 3.5
    assert Interaction.objects.get().rating == Decimal("3.5")


def test_writes_need_the_csrf_token(films):
    browser = Client(enforce_csrf_checks=True)
    url = f"/api/movies/{films['Heat'].pk}/interactions"
    assert browser.post(url, {"kind": "liked"}).status_code == 403
    browser.get("/api/recommendations")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        url, {"kind": "liked"}, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code == 201
    # The movie page's plain form carries the token itself.
    page = browser.get(films["Heat"].get_absolute_url()).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and "Not interested" in page


def test_page_forms_history_and_clear(client, crowd):
    heat = crowd["Heat"]
    response = client.post(
        f"/movies/{heat.pk}/interactions",
        {"kind": "liked", "next": heat.get_absolute_url()},
    )
    assert response.status_code == 302 and response["Location"] == f"/movies/{heat.pk}/"
    assert "♥ Liked" in client.get(response["Location"]).content.decode()
    home = client.get("/").content.decode()
    assert "Recommended for you" in home and "Because you liked Heat" in home
    history = client.get("/history/").content.decode()
    assert "Heat" in history and "Liked" in history
    api = client.get("/api/history").json()
    assert [r["movie"]["title"] for r in api["results"]] == ["Heat"]
    bad = client.post(f"/movies/{heat.pk}/interactions", {"kind": "rated", "rating": 7})
    assert bad.status_code == 400
    evil = client.post(
        f"/movies/{heat.pk}/interactions",
        {"kind": "dismissed", "next": "https://evil.example/"},
    )
    assert evil["Location"] == f"/movies/{heat.pk}/"
    assert client.post("/history/clear").status_code == 302
    assert not Interaction.objects.filter(session_key__isnull=False).exists()
    assert "Recommended for you" not in client.get("/").content.decode()


def test_similar_uses_colikes_and_says_so(client, crowd):
    heat = crowd["Heat"]
    body = client.get(f"/api/movies/{heat.pk}/similar", {"limit": 6}).json()
    ronin = next(r for r in body["results"] if r["title"] == "Ronin")
    assert ronin["because"] == ["Liked by people who liked Heat"]
    others = [r for r in body["results"] if r["title"] != "Ronin"]
    assert all(r["because"] != ["Liked by people who liked Heat"] for r in others)


def test_anonymous_history_expires(client, films, settings):
    client.post(
        f"/api/movies/{films['Heat'].pk}/interactions", {"kind": "liked"},
        content_type="application/json",
    )  # fmt: skip
    like("x:1", films["Heat"])
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert anonymous_expire(now=later) == 0
    later += timedelta(seconds=120)
    assert anonymous_expire(now=later) == 1
    assert list(Interaction.objects.values_list("external_id", flat=True)) == ["x:1"]


def write(path, lines, gz=False):
    text = "\n".join(lines) + "\n"
    if gz:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def test_import_is_idempotent(tmp_path, films, capsys):
    links = write(
        tmp_path / "links.csv.gz",
        ["movieId,imdbId,tmdbId", "1,1,100", "2,2,101", "3,3,999", "4,4,"],
        gz=True,
    )
    ratings = write(
        tmp_path / "ratings.csv",
        [
            "userId,movieId,rating,timestamp",
            "7,1,4.5,1000",
            "7,2,3.0,1001",
            "8,1,5,1002",
            "8,3,4,1003",  # TMDB 999: not in the catalogue
            "8,4,4,1004",  # no TMDB id
            "9,1,7,1005",  # bad rating (line 7)
            "9,x,4,oops",  # bad timestamp (line 8)
        ],
    )
    args = [str(ratings), str(links), "--no-progress"]
    call_command("import_interactions", *args)
    first = capsys.readouterr()
    assert "3 ratings of 2 visitors, 2 of unknown films skipped, 2 bad lines" in (
        first.out
    )
    assert "line 7:" in first.err and "line 8:" in first.err
    rows = set(Interaction.objects.values_list("external_id", "movie__title", "rating"))
    assert rows == {
        ("movielens:7", "Heat", Decimal("4.5")),
        ("movielens:7", "Ronin", Decimal("3.0")),
        ("movielens:8", "Heat", Decimal("5.0")),
    }
    stamps = set(Interaction.objects.values_list("pk", "created_at", "updated_at"))
    call_command("import_interactions", *args)
    assert (
        set(Interaction.objects.values_list("pk", "created_at", "updated_at")) == stamps
    )


def test_import_refuses_a_missing_column(tmp_path, films):
    from django.core.management.base import CommandError

    links = write(tmp_path / "links.csv", ["movieId,tmdbId", "1,100"])
    ratings = write(tmp_path / "ratings.csv", ["userId,movieId,rating", "1,1,4"])
    with pytest.raises(CommandError, match="missing columns timestamp"):
        call_command("import_interactions", str(ratings), str(links), "--no-progress")


def test_evaluation_split_never_leaks_a_held_out_like():
    import random

    rng = random.Random(7)
    events = [
        Event(str(u), rng.randrange(40), rng.choice([1, 2.5, 3.5, 4, 4.5, 5]),
              rng.randrange(1000))
        for u in range(60)
        for _ in range(rng.randrange(1, 30))
    ]  # fmt: skip
    rows = by_user(events)
    train, held = users_split(list(rows), seed=3, held_out=0.25)
    assert not train & held and train | held == set(rows)
    assert len(held) == 15
    for k in (1, 3):
        for user in held:
            split = held_out_split(rows[user], k=k)
            if split is None:
                continue
            likes = [e for e in rows[user] if e.rating >= 4]
            assert split.targets == {e.movie_id for e in likes[-k:]}
            seen = {e.movie_id for e in split.history}
            assert not seen & split.targets
            first = min(e.timestamp for e in likes[-k:])
            assert all(e.timestamp <= first for e in split.history)
            assert any(e.rating >= 4 for e in split.history)


def test_tasks_run_the_services_on_a_queue_the_worker_consumes(films):
    from django.conf import settings

    from demosite.celery import app
    from moviesearch.recommendations import tasks

    like("x:1", films["Heat"], films["Ronin"])
    like("x:2", films["Heat"], films["Ronin"])
    assert tasks.colikes_rebuild() == 2  # Heat ~ Ronin, both ways
    assert tasks.anonymous_expire() == 0
    for name in (
        "moviesearch.recommendations.colikes_rebuild",
        "moviesearch.recommendations.anonymous_expire",
    ):
        route = app.amqp.router.route({}, name)
        assert route["queue"].name == "embeddings"  # scripts/run: -Q embeddings
        assert any(
            entry["task"] == name for entry in settings.CELERY_BEAT_SCHEDULE.values()
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"external_id": "x:1", "kind": "rated", "rating": Decimal("7")},
        {"external_id": "x:1", "kind": "rated", "rating": Decimal("3.3")},
        {"external_id": "x:1", "kind": "liked", "rating": Decimal("4")},
        {"kind": "liked"},  # no owner
        {"external_id": "x:1", "session_key": "abc", "kind": "liked"},  # two
    ],
)
def test_database_constraints(films, fields):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(
            movie=films["Heat"], created_at=timezone.now(), **fields
        )


def test_few_likers_columns_sink_films_few_people_liked(crowd):
    from moviesearch.recommendations.features import FEW_LIKERS, NAMES, feature_rows
    from moviesearch.recommendations.weights import BLEND, CONTENT

    assert len(NAMES) == len(BLEND) == len(CONTENT)
    heat, ronin, amelie = crowd["Heat"], crowd["Ronin"], crowd["Amélie"]
    ids = [ronin.pk, amelie.pk]
    rows = dict(zip(ids, feature_rows(heat, ids), strict=True))
    first = NAMES.index("few_likers_10")
    # Ronin has 3 likers, Amélie 1: log(1 + k) - log(1 + likers), never below 0.
    for i, k in enumerate(FEW_LIKERS):
        column = first + i
        assert rows[ronin.pk][column] == pytest.approx(math.log1p(k) - math.log1p(3))
        assert rows[amelie.pk][column] > rows[ronin.pk][column]
    assert all(w <= 0 for w in BLEND[first:])  # fewer likers never raise a film


def test_fit_gives_a_constant_column_no_weight():
    from moviesearch.recommendations.evaluation import fit_weights

    # Column 1 separates the classes; column 2 is constant (as the few-likers
    # columns are when no interactions are loaded) and must not break the fit.
    xs = [[float(i % 2) + 0.1 * (i % 5), 2.3978952727983707] for i in range(60)]
    ys = [i % 2 == 1 for i in range(60)]
    weights = fit_weights(xs, ys)
    assert weights[0] > 1.0
    assert weights[1] == 0.0
