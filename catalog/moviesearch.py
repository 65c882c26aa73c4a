"""The demo catalogue's declaration for the moviesearch plugin (settings:
MOVIESEARCH_CATALOGUE): which model, and how its documents are read."""

from django.db.models import Prefetch

from catalog.models import Genre, listed_order
from moviesearch.catalogue import Catalogue


class MovieCatalogue(Catalogue):
    model = "catalog.Movie"
    title = "title"
    titles = ["title", "original_title"]
    year = "year"
    # How well known a film is: its TMDB vote count (Movie.fame). TMDB's
    # `popularity` is a snapshot of the week it was fetched: "90s action movies" in
    # that order were Run Lola Run, Rumble in the Bronx and Airborne; by votes, The
    # Matrix, Men in Black and Terminator 2 ("2010 movies": Incendies and Little
    # White Lies before Inception, against Inception, Iron Man 2, Despicable Me).
    popularity = "fame"
    votes = "vote_count"
    language = "original_language"
    tmdb_id = "tmdb_id"
    summary = "overview"
    details = {
        "imdb_id": "imdb_id",
        "original_title": "original_title",
        "release_date": "release_date",
        "overview": "overview",
        "tagline": "tagline",
        "runtime": "runtime",
        "original_language": "original_language",
        "popularity": "popularity",
        "vote_average": "vote_average",
        "vote_count": "vote_count",
    }
    # The story first; names are left to the lexical side (README "Search quality").
    dense = [
        "title",
        "overview",
        ("Genres:", "genres__name"),
        ("Keywords:", "keywords__name"),
    ]
    lexical = {
        "A": ["title", "original_title"],
        "B": ["directors", "cast"],
        "C": ["genres__name", "keywords__name"],
        "D": ["tagline", "overview"],
    }
    # Genres as TMDB lists them (the first is the film's main genre).
    facts = {
        "director": "directors",
        "cast": "cast",
        "genre": "genres_as_listed",
        "keyword": "keywords__name",
        "studio": "companies__name",
    }
    prefetch = [
        "genres",
        Prefetch(
            "genres",
            queryset=Genre.objects.order_by(listed_order()),
            to_attr="listed_genres",
        ),
        "keywords",
        "companies",
        "credits__person",
    ]
    watch = ["genres", "keywords", "companies", "credits", "credits__person"]
