"""The demo's settings with the film host in place of the demo catalogue: the
plugin attached to a model of another shape (tests_film/)."""

from demosite.settings import *  # noqa: F403
from demosite.settings import INSTALLED_APPS

# The apps whose code follows the declaration so far (README: Using the plugin in
# your own project); search, recommendations and quality join as they do.
LATER = {
    "catalog",
    "moviesearch.search",
    "moviesearch.recommendations",
    "moviesearch.quality",
}
INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in LATER] + ["tests_film.films"]
MOVIESEARCH_MOVIE_MODEL = "films.Film"
MOVIESEARCH_CATALOGUE = "tests_film.films.moviesearch.FilmCatalogue"
ROOT_URLCONF = "tests_film.urls"
