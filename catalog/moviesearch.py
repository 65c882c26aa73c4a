"""The demo catalogue's declaration for the moviesearch plugin (settings:
MOVIESEARCH_CATALOGUE): which model, and how its documents are read."""

from moviesearch.catalogue import Catalogue


class MovieCatalogue(Catalogue):
    model = "catalog.Movie"
    title = "title"
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
    prefetch = ["genres", "keywords", "credits__person"]
    watch = ["genres", "keywords", "credits", "credits__person"]
