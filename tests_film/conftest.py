"""Fixtures of the film host's session (settings tests_film.settings): its invented
catalogue; the host-free ones (encoders, the worker, wait_for) are the demo
session's (tests/plugin_fixtures.py)."""

import datetime

import pytest

from moviesearch.embeddings.services import movies_embed
from tests_film.films.models import Film, Person, Tag

# Invented films: (name, plot, released, tags in the film's order, directors).
FILMS = [
    ("The Salt Cartographer", "A retired mapmaker sails a leaky boat along a "
     "frozen northern coast with his estranged granddaughter, to chart an island "
     "that appears on no map.", "1987-03-14", ["adventure", "drama"],
     ["Tobias Lindqvist"]),
    ("Glass Orchard", "In a greenhouse colony on Mars, a botanist discovers that "
     "the apple trees whisper coded messages left by the first settlers.",
     "2019-09-02", ["science fiction", "mystery"], ["Haruto Sekiguchi"]),
    ("Midnight at the Tannery", "A small-town detective investigates a string of "
     "poisonings linked to a leather factory where workers vanish during the "
     "night shift.", "1974-11-20", ["crime", "thriller"], ["Delphine Arcenaux"]),
    ("Paper Lanterns for Mrs. Ode", "A lonely widow teaches the boy next door to "
     "fold paper lanterns, and together they prepare a festival in memory of her "
     "late husband.", "2003-05-09", ["drama", "family"], ["Amara Nwachukwu"]),
    ("Thunder over Calvera", "A disgraced gunslinger rides back to a desert town to "
     "defend its farmers against a railroad baron's hired killers.", "1962-07-01",
     ["western", "action"], ["Rafael Quintanilla"]),
    ("The Last Chess Automaton", "In Vienna in 1890, a con artist hides inside a "
     "mechanical chess player and falls in love with the countess who keeps "
     "challenging it.", "1998-02-13", ["romance", "comedy"], ["Lucien Fairweather"]),
    ("Ninth Floor Quarantine", "Office workers trapped on a sealed skyscraper floor "
     "fight off colleagues turned into ravenous zombies by a leaked virus.",
     "2011-10-28", ["horror", "action"], ["Callum Dunleavy"]),
    ("Orbit of Silence", "An astronaut stranded alone on a damaged space station "
     "must repair its oxygen recycler before her last air runs out.", "2016-04-22",
     ["science fiction", "thriller"], ["Haruto Sekiguchi"]),
    ("Kitchen of Second Chances", "A famous chef who lost his sense of taste opens a "
     "tiny noodle shop and rebuilds his life with the help of a teenage "
     "dishwasher.", "2008-08-15", ["comedy", "drama"], ["Priya Raghunathan"]),
    ("The Wolves of Karelia", "During a winter war, a sniper and a deserter share a "
     "forest cabin while enemy patrols hunt them through the snow.", "1989-12-01",
     ["war", "drama"], ["Yevgenia Morozova"]),
    ("Dance of the Marionettes", "An animated tale of wooden puppets who come alive "
     "at night and stage a rebellion against their cruel puppeteer.", "1995-06-30",
     ["animation", "family"], ["Oskar Brennholt"]),
    ("Ledger of Bones", "A forensic accountant uncovers a cartel's money laundering "
     "and must testify in court before the hitmen find her.", "2021-01-15",
     ["crime", "thriller"], ["Mateo Valderrama"]),
    ("Summer of the Kite Runners", "Three friends build a giant kite to win a "
     "seaside competition during their last summer before high school.",
     "1985-07-19", ["family", "comedy"], ["Amara Nwachukwu"]),
    ("Heart of the Lighthouse", "A lighthouse keeper and a shipwrecked violinist "
     "fall in love during a long, stormy winter on a remote rock.", "1979-02-09",
     ["romance", "drama"], ["Marguerite Okonkwo"]),
    ("Vault Loop", "A crew of thieves trapped in a time loop robs the same casino "
     "vault over and over, each attempt going wrong in a new way.", "2014-03-07",
     ["science fiction", "crime"], ["Mateo Valderrama"]),
    ("Song for a Drowned Village", "Villagers forced out when a new dam floods their "
     "valley keep their memories alive through the songs of an old choir.",
     "2001-09-21", ["music", "drama"], ["Marguerite Okonkwo"]),
]  # fmt: skip


def make_film(name, plot="", released=None, tags=(), directors=()):
    """A film made through the ORM, as a host's code or admin would (signals fire)."""
    film = Film.objects.create(
        name=name,
        plot=plot,
        released=datetime.date.fromisoformat(released) if released else None,
    )
    for label in tags:  # one by one: the film lists them in this order
        film.tags.add(Tag.objects.get_or_create(label=label)[0])
    for full_name in directors:
        first, last = full_name.split(" ", 1)
        person, _ = Person.objects.get_or_create(first_name=first, last_name=last)
        film.directors.add(person)
    return film


@pytest.fixture
def films(db, real_encoder):
    """The invented catalogue, embedded with the real packaged model, by name."""
    made = {row[0]: make_film(*row) for row in FILMS}
    movies_embed(movie_ids=[f.pk for f in made.values()])
    return {name: Film.objects.get(pk=f.pk) for name, f in made.items()}
