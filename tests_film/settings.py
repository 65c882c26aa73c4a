"""The demo's settings with the film host in place of the demo catalogue: the
plugin attached to a model of another shape (tests_film/)."""

from demosite.settings import *  # noqa: F403
from demosite.settings import INSTALLED_APPS

# Every plugin app, as a host installs them (README: Add it to your
# project); only the demo's own catalogue is left out.
INSTALLED_APPS = [a for a in INSTALLED_APPS if a != "catalog"] + ["tests_film.films"]
MOVIESEARCH_MOVIE_MODEL = "films.Film"
MOVIESEARCH_CATALOGUE = "tests_film.films.moviesearch.FilmCatalogue"
ROOT_URLCONF = "tests_film.urls"
