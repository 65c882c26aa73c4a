"""The film host's declaration: its own field names and relations."""

from moviesearch.catalogue import Catalogue


class FilmCatalogue(Catalogue):
    model = "films.Film"
    title = "name"
    titles = ["name"]
    year = "released__year"
    popularity = ""
    dense = ["name", "plot", ("Tags:", "tags__label")]
    lexical = {
        "A": ["name"],
        "B": ["directors__full_name"],
        "C": ["tags__label"],
        "D": ["plot"],
    }
    facts = {"director": "directors__full_name", "genre": "tags__label"}
    prefetch = ["tags", "directors"]
    watch = ["tags", "directors"]
