"""Fixtures of the film host's session (settings tests_film.settings).

tests/conftest.py imports the demo's catalog models at module level, and the demo
app is not installed here, so its generic fixtures (real encoder, Celery worker,
wait_for) cannot be imported: the few this session needs are restated below, in the
same terms."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from moviesearch.embeddings import encoder
from moviesearch.embeddings.services import movies_embed
from tests_film.films.models import Film, Person, Tag

ROOT = Path(__file__).resolve().parent.parent

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


class CachedRealEncoder:
    """The real packaged model, encodings memoised across tests (tests/conftest.py)."""

    def __init__(self, model):
        self.model = model
        self.memo = {}

    def get_embedding_dimension(self):
        return self.model.get_embedding_dimension()

    def encode(self, texts, **kwargs):
        key = (kwargs.get("prompt"), kwargs.get("normalize_embeddings"))
        todo = [t for t in dict.fromkeys(texts) if (key, t) not in self.memo]
        if todo:
            for text, vector in zip(
                todo, self.model.encode(todo, **kwargs), strict=True
            ):
                self.memo[(key, text)] = vector
        return np.stack([self.memo[(key, t)] for t in texts])


@pytest.fixture(scope="session")
def _real_model():
    return CachedRealEncoder(encoder._load(encoder.model_path(), None))


@pytest.fixture
def real_encoder(monkeypatch, _real_model, settings):
    settings.EMBEDDING_MODEL = ""
    monkeypatch.setattr(encoder, "get_model", lambda: _real_model)
    return _real_model


def wait_for(predicate, timeout=30.0, interval=0.2):
    """Poll until predicate() is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database and the configured broker,
    with the film host's settings (DJANGO_SETTINGS_MODULE is passed on)."""
    from demosite.celery import app

    with django_db_blocker.unblock():
        db_name = connection.settings_dict["NAME"]
    app.control.purge()  # leftovers from an earlier run would race this one
    env = dict(os.environ, DATABASE_NAME=db_name, EMBEDDING_SWEEP_SECONDS="3600")
    assert env["DJANGO_SETTINGS_MODULE"] == "tests_film.settings"
    (ROOT / ".data").mkdir(exist_ok=True)
    path = ROOT / ".data" / "test-film-worker.log"
    log = open(path, "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "demosite", "worker", "-Q",
         "embeddings", "-c", "1", "-l", "info", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    if not wait_for(
        lambda: "ready." in path.read_text() or proc.poll() is not None, 90
    ):
        proc.kill()
        raise RuntimeError("celery worker did not start in 90 s")
    if proc.poll() is not None:
        raise RuntimeError(f"celery worker exited:\n{path.read_text()[-3000:]}")
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
