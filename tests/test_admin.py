import pytest
from django.contrib.auth.models import User

from catalog.models import Genre, Movie, Person

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user(
        "editor", password="pw", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return client


def credit_forms(*credits, initial=0):
    data = {
        "credits-TOTAL_FORMS": str(len(credits)),
        "credits-INITIAL_FORMS": str(initial),
        "credits-MIN_NUM_FORMS": "0",
        "credits-MAX_NUM_FORMS": "1000",
    }
    for i, fields in enumerate(credits):
        data.update({f"credits-{i}-{k}": v for k, v in fields.items()})
    return data


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/catalog/movie/", "/admin/catalog/movie/add/"]
)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_non_staff_cannot_enter(client):
    client.force_login(User.objects.create_user("visitor", password="pw"))
    assert client.get("/admin/catalog/movie/").status_code == 302


def test_list_search_and_filters(staff_client, make_movie):
    make_movie(
        "Ran",
        1985,
        genres=["War"],
        directors=["Akira Kurosawa"],
        original_language="ja",
    )
    make_movie("Amelie", 2001, genres=["Comedy"], original_language="fr")
    war = Genre.objects.get(name="War")
    page = staff_client.get("/admin/catalog/movie/", {"q": "Kurosawa"})
    assert b"Ran" in page.content and b"Amelie" not in page.content
    page = staff_client.get("/admin/catalog/movie/", {"genres__id__exact": war.pk})
    assert b"Ran" in page.content and b"Amelie" not in page.content
    page = staff_client.get("/admin/catalog/movie/", {"original_language": "fr"})
    assert b"Amelie" in page.content and b">Ran<" not in page.content
    page = staff_client.get("/admin/catalog/movie/", {"embedding": "missing"})
    assert page.status_code == 200 and b"Amelie" in page.content


def test_add_movie_with_genres_and_credits(staff_client):
    drama = Genre.objects.create(name="Drama")
    director = Person.objects.create(name="Agnès Varda")
    actor = Person.objects.create(name="Corinne Marchand")
    data = {
        "title": "Cléo from 5 to 7",
        "original_title": "Cléo de 5 à 7",
        "year": "1962",
        "overview": "A singer waits two hours for a medical verdict.",
        "genres": [drama.pk],
        "original_language": "fr",
        "popularity": "10",
        **credit_forms(
            {"person": director.pk, "role": "director", "order": "0"},
            {"person": actor.pk, "role": "cast", "order": "0"},
        ),
    }
    response = staff_client.post("/admin/catalog/movie/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    movie = Movie.objects.get(title="Cléo from 5 to 7")
    assert movie.directors() == ["Agnès Varda"] and movie.cast() == ["Corinne Marchand"]
    assert [g.name for g in movie.genres.all()] == ["Drama"]


def test_change_page_edits_genres_and_credits(staff_client, make_movie):
    movie = make_movie("Heat", 1995, genres=["Crime"], cast=["Al Pacino"])
    thriller = Genre.objects.create(name="Thriller")
    credit = movie.credits.get()
    newcomer = Person.objects.create(name="Val Kilmer")
    page = staff_client.get(f"/admin/catalog/movie/{movie.pk}/change/")
    assert page.status_code == 200 and b"Embedding" in page.content
    data = {
        "title": "Heat",
        "year": "1995",
        "genres": [thriller.pk],
        "popularity": "0",
        **credit_forms(
            {"id": credit.pk, "movie": movie.pk, "person": credit.person_id,
             "role": "cast", "order": "0", "DELETE": "on"},
            {"movie": movie.pk, "person": newcomer.pk, "role": "cast", "order": "1"},
            initial=1,
        ),
    }  # fmt: skip
    response = staff_client.post(f"/admin/catalog/movie/{movie.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    movie.refresh_from_db()
    assert [g.name for g in movie.genres.all()] == ["Thriller"]
    assert movie.cast() == ["Val Kilmer"]


def test_person_autocomplete(staff_client):
    Person.objects.create(name="Hayao Miyazaki")
    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "term": "Miya",
            "app_label": "catalog",
            "model_name": "credit",
            "field_name": "person",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "Hayao Miyazaki"


def test_embedding_admin_features(staff_client, make_movie, fake_encoder, monkeypatch):
    from django.core.management import call_command

    from moviesearch.embeddings import tasks

    alien = make_movie(
        "Alien", 1979, genres=["Horror"], overview="A crew meets a creature"
    )
    make_movie(
        "Aliens", 1986, genres=["Horror"], overview="The crew returns to the creature"
    )
    make_movie("Amelie", 2001, genres=["Comedy"], overview="A shy waitress in Paris")
    call_command("reindex", "--no-progress")
    page = staff_client.get(f"/admin/catalog/movie/{alien.pk}/change/").content.decode()
    assert "current" in page and "Nearest movies" in page and "Aliens (1986)" in page
    listing = staff_client.get("/admin/catalog/movie/", {"q": "~ creature crew"})
    text = listing.content.decode()
    assert text.index(">Aliens<") < text.index(">Amelie<")
    stale = staff_client.get("/admin/catalog/movie/", {"embedding": "stale"})
    assert b"Alien" not in stale.content

    sent = []
    monkeypatch.setattr(
        tasks.embed_movies, "delay", lambda ids, force: sent.append(ids)
    )
    staff_client.post(
        "/admin/catalog/movie/",
        {"action": "reembed", "_selected_action": [alien.pk]},
    )
    assert sent == [[alien.pk]]
