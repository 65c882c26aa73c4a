"""What visitors type: surnames, misspelled names, long descriptions, rare words.
Ranking with the real packaged model on the demo catalogue; BM25 and the lexical
index on hand-made movies."""

import pytest
from django.test import Client

from catalog.models import Movie
from moviesearch.embeddings.models import LexicalDocument, Posting
from moviesearch.embeddings.services import movie_refresh_documents
from moviesearch.search.entities import recognise
from tests.searching import api_search

pytestmark = pytest.mark.django_db


def directed_by(name):
    films = Movie.objects.filter(credits__person__name=name, credits__role="director")
    return set(films.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("query", "director"),
    [
        ("Hitchcock films", "Alfred Hitchcock"),
        ("movies by Kubrick", "Stanley Kubrick"),
        ("Kubrick’s films", "Stanley Kubrick"),  # a possessive, curly or straight
    ],
)
def test_a_surname_alone_finds_the_director(embedded_demo, query, director):
    films = directed_by(director)
    body = api_search(query, limit=len(films))
    assert {r["title"] for r in body["results"]} == films
    [understood] = body["understood"]
    assert understood["how"] == "surname"
    assert understood["person"]["name"] == director


def test_keyword_mode_puts_a_named_director_first_but_not_a_misspelled_one(
    make_movie, fake_encoder
):
    # A film whose overview repeats the surname outranks the director's own films
    # by BM25 alone; the name typed puts the director's films first.
    for i in range(3):
        make_movie(f"Harbour Lights {i}", directors=["Ada Quennell"])
    make_movie(
        "Quennell Street", overview="Quennell, Quennell: the street called Quennell."
    )
    make_movie("Quenell Lane", overview="Nothing here is spelt like the director.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    for query in ("Quennell films", "movies directed by Ada Quennell"):
        body = api_search(query, mode="keyword")
        titles = [r["title"] for r in body["results"]]
        assert set(titles[:3]) == {f"Harbour Lights {i}" for i in range(3)}, query
        assert "Directed by Ada Quennell" in body["results"][0]["because"]
    # It says whom the surname was taken to mean, as hybrid does.
    [understood] = api_search("Quennell films", mode="keyword")["understood"]
    assert (understood["how"], understood["person"]["name"]) == (
        "surname",
        "Ada Quennell",
    )
    # Keyword mode matches the words typed: no correction of "Quenell", and none
    # claimed.
    body = api_search("Quenell", mode="keyword")
    assert [r["title"] for r in body["results"]] == ["Quenell Lane"]
    assert body["understood"] == []
    assert not any("Quennell" in " ".join(r["because"]) for r in body["results"])


def test_an_ambiguous_surname_names_the_assumed_person_and_offers_the_others(
    make_movie, real_encoder
):
    from django.core.management import call_command

    for i in range(3):
        make_movie(f"Harbour Lights {i}", directors=["Ada Quennell"])
    make_movie("Quiet Fields", cast=["Bram Quennell"])
    make_movie("Quiet Fields II", cast=["Bram Quennell"])
    call_command("reindex", "--no-progress", "--keep-index")
    found = recognise("Quennell films")
    [resolution] = found.resolutions
    assert resolution.name == "Ada Quennell"  # three films directed beat two roles
    assert [name for _, name in resolution.others] == ["Bram Quennell"]
    # "starring" asks for an actor: the same surname now means Bram.
    [starring] = recognise("movies starring Quennell").resolutions
    assert starring.name == "Bram Quennell"


def test_a_surname_that_is_also_a_first_name_is_still_a_name(make_movie, fake_encoder):
    # The texts holding "cameron" are Ada Cameron's films and Cameron Quill's: the
    # word is a name in all of them, though only Ada's surname.
    for i in range(2):
        make_movie(f"Deep Water {i}", directors=["Ada Cameron"])
    for i in range(6):
        make_movie(f"Summer Song {i}", cast=["Cameron Quill"])
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    [resolution] = recognise("Cameron films").resolutions
    assert resolution.name == "Ada Cameron"


@pytest.mark.parametrize(
    "query",
    [
        "Cameron Zorvik films",  # a name no movie has
        "films written by Cameron Quasten",  # a word one movie's text has
        "Cameron Dune movies",  # someone else's surname
    ],
)
def test_a_first_name_before_a_name_the_catalogue_lacks_is_no_surname(
    make_movie, fake_encoder, query
):
    """ "aaron sorkin" is a person the catalogue does not credit, not Caroline
    Aaron: a word borne mostly as a first name, typed before another name, is that
    person's first name. Alone, or before a description, it is still a surname."""
    for i in range(2):
        make_movie(f"Deep Water {i}", directors=["Ada Cameron"])
    for i in range(6):
        make_movie(f"Summer Song {i}", cast=["Cameron Quill"])
    make_movie("Ledger", overview="A banker named Quasten loses it all.")
    make_movie("Sands", directors=["Ola Dune"])
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    assert [r.name for r in recognise(query).resolutions] in ([], ["Ola Dune"])
    assert "Ada Cameron" not in str(api_search(query).get("understood"))
    [resolution] = recognise("Cameron summer films").resolutions
    assert resolution.name == "Ada Cameron"


def test_a_surname_with_its_particle_is_all_the_name(make_movie, fake_encoder):
    """ "de niro movies": "de" is the name's too, so the query is all a name's and
    lists the person's films best known first (a surname alone: those directed,
    then those acted in); before, "de" was a word of a description and the films
    came in BM25's and the vector's order."""
    directed = [
        make_movie(f"Bronx Tale {i}", directors=["Rob De Niro"], vote_count=10 + i)
        for i in range(2)
    ]
    for i in range(5):
        make_movie(f"Taxi Night {i}", cast=["Rob De Niro"], vote_count=1000 + i)
    make_movie("De Luxe", overview="De niro de niro de niro.", vote_count=5)
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    [resolution] = recognise("de niro movies").resolutions
    assert (resolution.name, resolution.typed) == ("Rob De Niro", "de niro")
    body = api_search("de niro movies")
    listed = [r["title"] for r in body["results"]]
    assert listed[:2] == [m.title for m in reversed(directed)], listed
    assert [u["typed"] for u in body["understood"]] == ["de niro"]


def test_the_new_or_first_film_of_a_person_lists_their_films_by_release(
    make_movie, fake_encoder
):
    """ "the new tarantino movie" listed his best known first (Grindhouse); a query
    otherwise only naming people lists their films newest (or earliest) first, and
    says so. "new" or "first" elsewhere is a word like any other."""
    years = (1990, 2012, 2005)
    for year, votes in zip(years, (900, 10, 50), strict=True):
        make_movie(
            f"Quill Story {year}",
            year=year,
            directors=["Ada Quillfeather"],
            vote_count=votes,
        )
    make_movie("The New World", year=2016, vote_count=500)
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    by_fame = [f"Quill Story {y}" for y in (1990, 2005, 2012)]
    newest = [f"Quill Story {y}" for y in (2012, 2005, 1990)]
    for query, wanted, said in (
        ("quillfeather movies", by_fame, None),
        ("the new quillfeather movie", newest, "Newest first"),
        ("Ada Quillfeather latest film", newest, "Newest first"),
        ("quillfeather's first film", by_fame, "Earliest first"),
    ):
        body = api_search(query)
        assert [r["title"] for r in body["results"]][:3] == wanted, query
        assert (
            (said in body.get("message", ""))
            if said
            else "first" not in str(body.get("message"))
        ), query
    assert recognise("the new world").order is None
    assert recognise("new quillfeather world").order is None  # "world" is no name
    make_movie("Debut", year=2001, directors=["Jo First"], vote_count=3)
    refresh_all()
    assert recognise("movies directed by Jo First").order is None  # her name


def test_a_role_said_another_way_still_lists_the_best_known_films(
    make_movie, fake_encoder
):
    # "films featuring meryl streep" came in BM25's and the vector's order
    # ("featuring" was a word the names did not explain; "starring" was).
    for i in range(3):
        make_movie(f"Stage Light {i}", cast=["Mara Streepling"], vote_count=10 + i)
    make_movie("Featuring Tonight", overview="Featuring everyone.", vote_count=1)
    refresh_all()
    wanted = [f"Stage Light {i}" for i in (2, 1, 0)]
    for query in ("films featuring mara streepling", "actress mara streepling"):
        assert recognise(query).share == 1.0, query
        titles = [r["title"] for r in api_search(query)["results"]]
        assert titles[:3] == wanted, query


def test_a_common_word_is_not_read_as_a_surname(make_movie, fake_encoder):
    for i in range(2):
        make_movie(f"Film {i}", directors=["Courtney Love"])
    for i in range(8):
        make_movie(f"Romance {i}", overview="A story of love and loss.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    assert recognise("love movies").resolutions == []


def test_a_hyphenated_surname_is_read_as_one(make_movie, fake_encoder):
    """ "Prince-Bythewood films": the compound is the surname, though its first part
    ("prince") is in many movies' texts."""
    for i in range(2):
        make_movie(f"Court Lights {i}", directors=["Gina Prince-Bythewood"])
    for i in range(8):
        make_movie(f"The Prince {i}", overview="A prince leaves his castle.")
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    [resolution] = recognise("Prince-Bythewood films").resolutions
    assert resolution.name == "Gina Prince-Bythewood"
    titles = {
        r["title"] for r in api_search("movies by Prince-Bythewood")["results"][:2]
    }
    assert titles == {"Court Lights 0", "Court Lights 1"}


def test_a_misspelled_director_is_corrected_in_the_api_and_the_page(embedded_demo):
    films = directed_by("Christopher Nolan")
    body = api_search("movie directed by Christopher Nlan", limit=len(films))
    assert {r["title"] for r in body["results"]} == films
    [understood] = body["understood"]
    assert understood["how"] == "misspelling"
    assert understood["person"]["name"] == "Christopher Nolan"
    assert "Showing films by Christopher Nolan" in body["message"]
    page = Client().get("/", {"q": "movie directed by Christopher Nlan"})
    assert "Showing films by Christopher Nolan" in page.content.decode()


@pytest.mark.parametrize(
    "query", ["movie directed by Stanley Kubirck", "Hitchcok films"]
)
def test_swapped_or_dropped_letters_still_find_the_person(embedded_demo, query):
    names = {r.name for r in recognise(query).resolutions}
    assert names & {"Stanley Kubrick", "Alfred Hitchcock"}


@pytest.mark.parametrize(
    ("query", "director"),
    [
        # Two swapped letters in a short surname break most of its trigrams: these
        # found nobody, or Dana Carvey and James Bridges, by trigram similarity.
        ("movie directed by John Frod", "John Ford"),
        ("movie directed by Wes Carven", "Wes Craven"),
        ("movie directed by Brad Brid", "Brad Bird"),
        ("films by Peter Wier", "Peter Weir"),
    ],
)
def test_a_name_two_edits_away_finds_the_person(embedded_demo, query, director):
    films = directed_by(director)
    body = api_search(query, limit=len(films))
    [understood] = body["understood"]
    assert understood["person"]["name"] == director
    assert understood["how"] == "misspelling"
    assert {r["title"] for r in body["results"]} == films


@pytest.mark.parametrize(
    ("query", "director"),
    [("Kubirck films", "Stanley Kubrick"), ("movies by Nolna", "Christopher Nolan")],
)
def test_a_surname_one_typo_off_finds_the_person(embedded_demo, query, director):
    # Two letters swapped: too few trigrams left for word similarity to find them.
    [understood] = api_search(query)["understood"]
    assert understood["person"]["name"] == director
    assert understood["how"] == "misspelling"


def test_an_unknown_word_beside_a_known_one_names_nobody_far_off(embedded_demo):
    # "balbao" is in no movie's text and "rocky" is a word of no director's name
    # within two edits of "rocky balbao".
    query = "a boxer named rocky balbao fights for the title"
    assert recognise(query).resolutions == []


@pytest.mark.parametrize("query", ["christopher nolan", "Kubrick films"])
def test_a_query_that_is_only_a_name_lists_the_best_known_films_first(
    embedded_demo, query
):
    # Neither BM25 nor the vector knows which of a person's films a visitor means
    # first; the catalogue's fame (votes, else popularity) does.
    director = "Christopher Nolan" if "nolan" in query else "Stanley Kubrick"
    films = Movie.objects.filter(
        credits__person__name=director, credits__role="director"
    ).order_by("-fame")
    wanted = list(films.values_list("title", flat=True))
    body = api_search(query, limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted


def test_names_spelled_out_need_no_resolution(embedded_demo):
    for query in ("movie directed by Christopher Nolan", "Christopher Nolan's films"):
        body = api_search(query)
        assert body["understood"] == [] and "message" not in body, query
        assert "Directed by Christopher Nolan" in body["results"][0]["because"]


def test_bm25_prefers_the_rare_word(make_movie, fake_encoder):
    rare = make_movie("Alpha", overview="A man and his zeppelin.")
    for i in range(6):
        make_movie(f"Common {i}", overview="A man walks home. " * (i + 1))
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))
    body = api_search("man zeppelin", mode="keyword")
    assert body["results"][0]["id"] == rare.pk


def test_the_lexical_index_follows_edits(make_movie, fake_encoder):
    movie = make_movie(
        "Lanterns of Quillhaven", overview="Spirits light a village of lanterns."
    )
    movie_refresh_documents(movie_ids=[movie.pk])
    assert Posting.objects.filter(movie=movie, lexeme="quillhaven").exists()
    movie.title = "Lanterns of Brightwater"
    movie.save()
    movie_refresh_documents(movie_ids=[movie.pk])
    lexemes = set(Posting.objects.filter(movie=movie).values_list("lexeme", flat=True))
    assert "brightwat" in lexemes and "quillhaven" not in lexemes
    # A term counts each of its occurrences; the length is their sum.
    tf = dict(Posting.objects.filter(movie=movie).values_list("lexeme", "tf"))
    assert tf["lantern"] > tf["spirit"]
    assert LexicalDocument.objects.get(movie=movie).length == pytest.approx(
        sum(tf.values())
    )


def test_a_long_description_is_ranked_by_what_it_describes(embedded_demo):
    # "heist" is a catalogue keyword, but the description is of Spirited Away.
    query = (
        "movie about a girl who must work in a bathhouse for spirits to free her "
        "parents who were turned into pigs, no heist"
    )
    found = recognise(query)
    assert found.share < 0.5
    top = [m.title for m in Movie.objects.search(query, limit=3)]
    assert "Spirited Away" in top


def refresh_all():
    movie_refresh_documents(movie_ids=list(Movie.objects.values_list("pk", flat=True)))


def test_common_words_of_a_description_name_nobody(make_movie, fake_encoder):
    # The text search's stop words ("them", "then", "over") are in no movie's text;
    # they were taken for misspelled names ("Showing films by Charlize Theron (you
    # typed “them”)") in 78 of 452 held-out plot descriptions.
    for i in range(2):
        make_movie(f"Desert Road {i}", directors=["Charlize Theron"])
        make_movie(f"Night Shift {i}", cast=["Frank Overton"])
    refresh_all()
    query = "a woman who helps them steal a car and then drives over the border"
    assert recognise(query).resolutions == []
    # A surname, and a misspelled one, still name the person.
    for typed in ("films by Theron", "movies with Overtn"):
        [resolution] = recognise(typed).resolutions
        assert resolution.name in {"Charlize Theron", "Frank Overton"}


def test_a_character_in_a_description_is_no_surname(make_movie, fake_encoder):
    for i in range(3):
        make_movie(f"Harbour Lights {i}", directors=["Ada Quennell"])
    make_movie("Ruins", overview="A soldier walks home through the ruins.")
    refresh_all()
    # Capitalised, or unknown, in the middle of a story: a character.
    for query in (
        "a soldier who comes home after the war and searches for Quennell",
        "a soldier who comes home after the war while Quenell searches for him",
    ):
        assert recognise(query).resolutions == [], query
    # Marked as a person's ("the … film", "by …"), in any case: the director.
    for query in (
        "the Quennell film where a soldier comes home after the war",
        "that quenell movie where a soldier comes home after the war",
        "a war story directed by quennell about a soldier who comes home",
    ):
        names = [r.name for r in recognise(query).resolutions]
        assert names == ["Ada Quennell"], query


def test_a_film_carrying_one_keyword_of_a_description_is_barely_lifted(
    make_movie, fake_encoder
):
    """Every noun of a long "movie about …" is some film's keyword: a film tagged
    with one generic one ("group") explains little of the description, one tagged
    with most of them much (hybrid's boost is the square of that share)."""
    from catalog.models import Keyword
    from moviesearch.search.ranking import _explained

    def tagged(title, *names):
        movie = make_movie(title)
        movie.keywords.set([Keyword.objects.get_or_create(name=n)[0] for n in names])
        return movie

    generic = tagged("Weekend", "group")
    story = tagged("Dead Snow Lake", "tourist", "nazi", "zombie")
    refresh_all()
    found = recognise("movie about a group of tourists who meet nazi zombies")
    assert set(found.keywords.values()) == {"group", "tourist", "nazi", "zombie"}
    explained = _explained(found, [generic.pk, story.pk])
    assert explained[generic.pk] == pytest.approx(1 / 5)  # group of 5 content words
    assert explained[story.pk] == pytest.approx(3 / 5)  # all but "group" and "meet"
    assert found.share == pytest.approx(4 / 5)  # what every such film got before
    # A query that is one keyword explains all of it, as before.
    single = recognise("movie about zombies")
    assert _explained(single, [story.pk]) == {story.pk: 1.0}


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("interstelar", "Interstellar"),
        ("the godfahter", "The Godfather"),
        ("inceptoin", "Inception"),
        ("jurasic park", "Jurassic Park"),
    ],
)
def test_a_misspelled_title_finds_the_film(embedded_demo, query, title):
    # No word of these is in any movie's text: they had no results (or, for
    # "jurasic", a misspelled person), and now the nearest title comes first.
    body = api_search(query)
    assert body["results"][0]["title"] == title
    assert body["understood"] == []


def test_a_description_or_nonsense_is_no_misspelled_title(embedded_demo):
    from moviesearch.search.ranking import near_titles

    movies = Movie.objects.all()
    assert near_titles(movies, "zzqxv blorf") == {}
    assert api_search("zzqxv blorf")["results"] == []
    # Every word known: no title is looked up, however close one is.
    assert recognise("the godfathers").unknown == frozenset()
    assert recognise("a man who fights crime in the streets").unknown == frozenset()
    assert recognise("the godfahter").unknown == {"godfahter"}


@pytest.mark.parametrize("query", ["christopher nlan", "hitchcok"])
def test_a_misspelled_name_alone_stays_a_person(embedded_demo, query):
    # Unknown words, and maybe near some title: a query that is all a person's
    # name is still that person.
    [understood] = api_search(query)["understood"]
    assert understood["how"] == "misspelling"
    assert understood["person"]["name"] in {"Christopher Nolan", "Alfred Hitchcock"}


@pytest.mark.parametrize(
    "query",
    [
        "movies like Inception",
        "films similar to inception?",
        "if i liked inception what should i watch",
        "I loved Inception, what else?",
    ],
)
def test_movies_like_a_title_are_that_film_then_films_like_it(embedded_demo, query):
    from moviesearch.search.ranking import similar_ranked

    inception = Movie.objects.get(title="Inception")
    like = similar_ranked(Movie.objects.all(), inception, 10).ids
    body = api_search(query)
    ids = [r["id"] for r in body["results"]]
    assert ids[0] == inception.pk
    assert ids[1:4] == [pk for pk in like if pk != inception.pk][:3]


def test_a_title_that_starts_with_like_is_that_title(embedded_demo, make_movie):
    # "Like Crazy" is a film, not films like one called "Crazy".
    make_movie("Crazy", year=2008, overview="A country singer's rise and fall.")
    make_movie("Like Crazy", year=2011, overview="Two students fall in love.")
    assert api_search("like crazy")["results"][0]["title"] == "Like Crazy"


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("90s action movies", (1990, 1999)),
        ("horror from the '80s", (1980, 1989)),
        ("sci-fi movies from the eighties", (1980, 1989)),
        ("crime movies from the 1970s", (1970, 1979)),
        ("2000s comedies", (2000, 2009)),
        ("a woman in her 30s falls in love", None),  # an age, not a decade
        ("two friends in their late twenties", None),
        ("a man in his mid-40s", None),
    ],
)
def test_a_decade_as_visitors_write_it(text, years):
    from moviesearch.search.entities import decade

    assert decade(text) == years


def test_genre_words_visitors_type_name_the_catalogues_genres(make_movie, fake_encoder):
    make_movie("Night House", genres=["Horror"])
    make_movie("Paris Again", genres=["Romance", "Comedy"])
    make_movie("Orbit", genres=["Science Fiction"])
    refresh_all()
    assert set(recognise("scary movies").genres.values()) == {"Horror"}
    assert set(recognise("a rom-com").genres.values()) == {"Romance", "Comedy"}
    assert set(recognise("sci-fi films").genres.values()) == {"Science Fiction"}
    assert recognise("scary movies").share == 1.0
    # Only the catalogue's genres: this one has no Animation.
    assert recognise("animated films").genres == {}


def test_asking_for_the_best_of_a_genre_lists_its_best_known_films(
    make_movie, fake_encoder
):
    # "top rated comedies" listed Top Five and This Film Is Not Yet Rated: "top"
    # and "rated" were words of a description, not a request for the best known.
    for i in range(3):
        make_movie(f"Laugh Riot {i}", genres=["Comedy"], vote_count=100 - i)
    make_movie("Top Five Rated", genres=["Drama"], vote_count=1)
    make_movie("War Games", genres=["War"], vote_count=7)
    refresh_all()
    wanted = [f"Laugh Riot {i}" for i in range(3)]
    for query in (
        "top rated comedies",
        "greatest comedies of all time",
        "top 10 comedy movies",
        "best comedies ever made",
    ):
        found = recognise(query)
        assert set(found.genres.values()) == {"Comedy"} and found.share == 1.0, query
        titles = [r["title"] for r in api_search(query)["results"]]
        assert titles[:3] == wanted, query
    # A title saying so is still the title.
    assert api_search("top five rated")["results"][0]["title"] == "Top Five Rated"


def test_a_decade_no_movie_says_is_no_misspelled_title(make_movie, fake_encoder):
    # "movies from the 2000s": no movie's text says "2000s", and the query was read
    # as a misspelled title (Scary Movie, FRED: The Movie) instead of a decade.
    make_movie("Scary Movies 2000", year=2000, vote_count=3)
    for year, votes in ((2003, 90), (2007, 80), (2001, 70)):
        make_movie(f"Noughties Hit {year}", year=year, vote_count=votes)
    make_movie("Nineties Hit", year=1995, vote_count=500)
    refresh_all()
    assert recognise("movies from the 2000s").unknown == frozenset()
    for query in ("movies from the 2000s", "2000s movies"):
        titles = [r["title"] for r in api_search(query)["results"]]
        assert titles[:3] == [f"Noughties Hit {y}" for y in (2003, 2007, 2001)]
        assert "Nineties Hit" not in titles


def test_genres_and_a_decade_list_the_best_known_films_of_all_of_them(embedded_demo):
    # "90s action movies": BM25 and the vector know no film is "90s"; the decade's
    # action films, best known first, are what a visitor means.
    films = Movie.objects.filter(
        genres__name="Action", year__gte=1990, year__lte=1999
    ).order_by("-fame", "pk")
    wanted = list(films.values_list("title", flat=True))
    assert len(wanted) >= 5
    body = api_search("90s action movies", limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted
    # Two genres mean both: a romantic comedy is a romance and a comedy.
    both = Movie.objects.filter(genres__name="Romance").filter(genres__name="Comedy")
    wanted = set(both.values_list("title", flat=True))
    assert len(wanted) >= 5
    body = api_search("romantic comedies", limit=5)
    assert {r["title"] for r in body["results"]} <= wanted


def test_a_keyword_named_alone_lists_its_best_known_films(embedded_demo):
    # "superhero movies", with no "about": the films tagged so, best known first;
    # BM25 and the vector favoured titles that say "superhero".
    films = Movie.objects.filter(keywords__name="superhero").order_by("-fame", "pk")
    wanted = list(films.values_list("title", flat=True))
    assert len(wanted) >= 5
    assert set(recognise("superhero movies").keywords.values()) == {"superhero"}
    body = api_search("superhero movies", limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted
    # "world war ii movies" names the keyword, not the War genre.
    found = recognise("world war ii movies")
    assert set(found.keywords.values()) == {"world war ii"} and not found.genres


def test_keywords_outside_about_only_when_they_are_the_whole_query(embedded_demo):
    # In a description or with more than one keyword (a title, "zombie night"),
    # keywords would outweigh the rest: they are read only after "about".
    assert recognise("superhero movies").share == 1.0
    for query in (
        "a superhero who loses his powers in new york",
        "new york friendship",
        "superhero movies starring Christopher Nolan",
    ):
        assert recognise(query).keywords == {}, query


def test_an_exact_title_comes_before_the_films_of_a_keyword_it_names(embedded_demo):
    # "Scream" and "Cold War" are demo films, and demo keywords of better-known
    # films (Monsters, Inc.; The Iron Giant): the film first, then the others.
    for title in ("Scream", "Cold War"):
        keyword = title.casefold()
        assert set(recognise(keyword).keywords.values()) == {keyword}
        [film] = Movie.objects.filter(title=title).values_list("pk", flat=True)
        tagged = Movie.objects.filter(keywords__name=keyword)
        assert tagged.filter(fame__gt=Movie.objects.get(pk=film).fame)
        body = api_search(keyword, limit=5)
        assert body["results"][0]["id"] == film, title
        assert set(tagged.values_list("pk", flat=True)) <= {
            r["id"] for r in body["results"]
        }


def test_a_title_of_the_querys_very_words_comes_before_a_keywords_films(
    make_movie, fake_encoder
):
    # The fake encoder: this is about the boosts. "heist" names the keyword (its
    # films listed best known first) and, punctuation aside, the title "Heist!".
    from catalog.models import Keyword

    heist = Keyword.objects.create(name="heist")
    for i in range(3):
        make_movie(f"Vault {i}", vote_count=50 - i).keywords.set([heist])
    film = make_movie("Heist!", vote_count=1)
    refresh_all()
    assert set(recognise("heist").keywords.values()) == {"heist"}
    ids = [r["id"] for r in api_search("heist")["results"]]
    assert ids[0] == film.pk
    assert ids[1:4] == list(
        Movie.objects.filter(keywords=heist)
        .order_by("-fame")
        .values_list("pk", flat=True)
    )


def test_a_keyword_in_the_singular_lists_the_films_tagged_in_the_plural_too(
    make_movie, fake_encoder
):
    # TMDB tags 6 films "zombie" and 67 "zombies": "zombie movies" means them all,
    # the best known first, and so does "zombies".
    from catalog.models import Keyword

    zombie = Keyword.objects.create(name="zombie")
    zombies = Keyword.objects.create(name="zombies")
    make_movie("Shamble", vote_count=5).keywords.set([zombie])
    for i in range(3):
        make_movie(f"Outbreak {i}", vote_count=40 - i).keywords.set([zombies])
    make_movie("Quiet Village", vote_count=90, overview="A quiet village.")
    refresh_all()
    wanted = list(
        Movie.objects.filter(keywords__in=[zombie, zombies])
        .order_by("-fame")
        .values_list("pk", flat=True)
    )
    for query in ("zombie movies", "zombies", "Zombie films"):
        assert set(recognise(query).keywords.values()) == {"zombie", "zombies"}
        ids = [r["id"] for r in api_search(query)["results"]]
        assert ids[:4] == wanted, query


def test_a_genre_phrase_is_no_keyword_too(make_movie, fake_encoder):
    # "funny movies for kids": "for kids" names the genre Family, so the keyword
    # "kid" is not also required (TMDB tags few family comedies "kid": the list
    # was those few, then titles saying "funny").
    from catalog.models import Keyword

    kid = Keyword.objects.create(name="kid")
    make_movie("Tagged Kid", genres=["Comedy", "Family"], vote_count=5).keywords.set(
        [kid]
    )
    for i in range(3):
        make_movie(f"Family Romp {i}", genres=["Comedy", "Family"], vote_count=50 - i)
    make_movie("Funny Business", genres=["Drama"], vote_count=90)
    refresh_all()
    found = recognise("funny movies for kids")
    assert set(found.genres.values()) == {"Comedy", "Family"}
    assert found.keywords == {}
    wanted = list(
        Movie.objects.filter(genres__name="Comedy")
        .filter(genres__name="Family")
        .order_by("-fame")
        .values_list("title", flat=True)
    )
    titles = [r["title"] for r in api_search("funny movies for kids")["results"]]
    assert titles[:4] == wanted


@pytest.mark.parametrize(
    ("keyword", "queries"),
    [
        # TMDB's keyword is four words without the article, and ends in a framing
        # word ("story").
        (
            "based on true story",
            ("based on a true story", "movies based on a true story"),
        ),
        # The plural of a phrase's last word was not read.
        ("serial killer", ("serial killers",)),
    ],
)
def test_a_keyword_typed_with_an_article_or_in_the_plural(
    make_movie, fake_encoder, keyword, queries
):
    # Such a keyword was not recognised: its films came in BM25's order, mixed with
    # films whose text says its words.
    from catalog.models import Keyword

    tag = Keyword.objects.create(name=keyword)
    for i in range(3):
        make_movie(f"Tagged {i}", vote_count=60 - i).keywords.set([tag])
    make_movie("Decoy", overview=f"{queries[0]}, {queries[0]}.", vote_count=900)
    refresh_all()
    for query in queries:
        found = recognise(query)
        assert set(found.keywords.values()) == {keyword} and found.share == 1.0, query
        titles = [r["title"] for r in api_search(query)["results"]]
        assert titles[:3] == [f"Tagged {i}" for i in range(3)], query


def test_a_framing_word_ends_no_keyword_of_two_words(make_movie, fake_encoder):
    from catalog.models import Keyword

    make_movie("Trenches", genres=["War"]).keywords.set(
        [Keyword.objects.create(name="great story")]
    )
    refresh_all()
    assert recognise("war movie with great story").keywords == {}


def test_a_title_of_the_querys_words_is_no_surname(make_movie, fake_encoder):
    # "mr smith goes to washington" had said "Showing films by Denzel Washington".
    for i in range(3):
        make_movie(f"Harbour Lights {i}", directors=["Ada Quennell"])
    film = make_movie("Mr. Blake Goes to Quennell", overview="A clerk goes to town.")
    refresh_all()
    assert [r.name for r in recognise("mr blake goes to quennell").resolutions] == [
        "Ada Quennell"
    ]
    body = api_search("mr blake goes to quennell")
    assert body["results"][0]["id"] == film.pk
    assert body["understood"] == []
    assert api_search("quennell")["understood"][0]["person"]["name"] == "Ada Quennell"


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_a_sequels_number_finds_its_roman_numeral(make_movie, fake_encoder, mode):
    # "the godfather 2" is The Godfather: Part II (Part III had come first).
    for title in ("Harbor Heist", "Harbor Heist: Part II", "Harbor Heist: Part III"):
        make_movie(title, overview="A crew robs the harbor.")
    make_movie("Harbor Heist 2", year=2020, overview="A crew robs the harbor again.")
    refresh_all()
    titles = [r["title"] for r in api_search("the harbor heist 3", mode)["results"]]
    assert titles[0] == "Harbor Heist: Part III", titles
    titles = [r["title"] for r in api_search("harbor heist 2", mode)["results"]]
    assert set(titles[:2]) == {"Harbor Heist 2", "Harbor Heist: Part II"}, titles


def test_a_number_in_a_description_is_the_storys():
    from moviesearch.search.lexical import query_text

    assert query_text("rocky 5") == "rocky 5 v"
    assert query_text("5 friends go camping in the woods") == (
        "5 friends go camping in woods"
    )


def test_two_people_named_list_the_films_they_share_first(make_movie, fake_encoder):
    # "leonardo dicaprio and kate winslet": Titanic and Revolutionary Road, then
    # the rest of their films, best known first (Inception had come before them).
    for i in range(60):  # more of his best-known films than a first page's window
        make_movie(f"Marquee {i}", cast=["Hollis Brandt"], vote_count=900 - i)
    make_movie("Solo Turn", cast=["Wren Abernathy"], vote_count=800)
    shared = [
        make_movie(f"Duet {i}", cast=["Hollis Brandt", "Wren Abernathy"], vote_count=i)
        for i in (1, 2)
    ]
    refresh_all()
    for query in ("hollis brandt and wren abernathy", "Brandt Abernathy movies"):
        ids = [r["id"] for r in api_search(query)["results"]]
        assert ids[:2] == [shared[1].pk, shared[0].pk], query


def test_a_person_and_a_genre_list_the_persons_films_of_that_genre(embedded_demo):
    # "scorsese crime": his crime films, best known first (his others after).
    films = (
        Movie.objects.filter(genres__name="Crime")
        .filter(credits__person__name="Martin Scorsese", credits__role="director")
        .order_by("-fame", "pk")
    )
    wanted = list(films.values_list("title", flat=True))
    assert len(wanted) >= 3
    body = api_search("scorsese crime", limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("batman 1989", (1989, 1989)),
        ("horror movies 2016", (2016, 2016)),
        ("best movies of 1994", (1994, 1994)),
        ("in 1944 a group of soldiers cross a river at night", None),  # the story's
        ("apollo 13", None),
    ],
)
def test_a_year_in_a_short_query_is_the_films_year(text, years):
    from moviesearch.search.entities import YEAR, _content, _year

    words = [w.casefold() for w in text.split()]
    assert _year(text, _content(words)) == years
    assert YEAR.search("blade runner 2049") is None


def test_a_year_lists_that_years_films(embedded_demo):
    films = Movie.objects.filter(year=1994).order_by("-fame", "pk")
    wanted = list(films.values_list("title", flat=True))
    assert len(wanted) >= 5
    body = api_search("movies from 1994", limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted


def test_a_characters_name_is_no_surname(make_movie, fake_encoder):
    # "harry potter" is in titles and "james bond" is a keyword: neither names the
    # director Sally Potter or the actor Kevin James, whom the surname alone names.
    from catalog.models import Keyword

    for i in range(2):
        make_movie(f"Rage {i}", directors=["Sally Potter"])
        make_movie(f"Paul Blart {i}", cast=["Kevin James"])
    for title in ("Harry Potter and the Stone", "Harry Potter and the Cup"):
        make_movie(title, overview="A young wizard, Harry Potter, goes to school.")
    bond = Keyword.objects.create(name="james bond")
    make_movie("Skyfall", overview="James Bond is back.").keywords.set([bond])
    refresh_all()
    for query in ("harry potter movies", "james bond"):
        assert recognise(query).resolutions == [], query
    [potter] = recognise("potter films").resolutions
    assert potter.name == "Sally Potter"
    # Misspelled, the franchise is still no surname: the word is corrected.
    misspelled = recognise("harry poter movies")
    assert misspelled.resolutions == []
    [potter] = recognise("poter films").resolutions
    assert (potter.name, potter.how) == ("Sally Potter", "misspelling")


def test_a_language_named_in_a_short_query_lists_its_films(embedded_demo):
    # "japanese films": films whose original language is Japanese, best known first.
    films = Movie.objects.filter(original_language="ja").order_by("-fame", "pk")
    wanted = list(films.values_list("title", flat=True))
    assert len(wanted) >= 5
    assert recognise("japanese films").languages == ("ja",)
    body = api_search("japanese films", limit=len(wanted))
    assert [r["title"] for r in body["results"]] == wanted
    # In a description a nationality is the story's, not the film's language.
    long = "a french soldier comes home after the war to find his village burned"
    assert recognise(long).languages == ()


def test_a_surname_typed_without_its_accents(make_movie, fake_encoder):
    # "cuaron" is Alfonso Cuarón's surname, also when an overview says "Cuaron"
    # (a known word: read as a surname typed right), and "inarritu" Iñárritu's
    # (a word in no text: two letters from "iñárritu", none without accents).
    from moviesearch.search import people

    for i in range(3):
        make_movie(f"Orbit {i}", directors=["Alfonso Cuarón"], overview="Space.")
        make_movie(f"Bird {i}", directors=["Alejandro González Iñárritu"])
    make_movie("Making Orbit", overview="Cuaron talks about his film.")
    refresh_all()
    assert people.fold("Iñárritu") == "inarritu"
    for query, name in (
        ("cuaron films", "Alfonso Cuarón"),
        ("inarritu", "Alejandro González Iñárritu"),
    ):
        [person] = recognise(query).resolutions
        assert (person.name, person.how) == (name, "surname"), query
