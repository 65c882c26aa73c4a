import gzip
import json
import random
import re
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rapidfuzz.distance import OSA

from catalog.models import Movie
from moviesearch.embeddings.models import Name
from moviesearch.quality.queries import (
    EVALUATION_ONLY,
    generate_queries,
    normalise_title,
)
from moviesearch.quality.training import TRAINING_FAMILIES, training_pairs
from moviesearch.quality.visitor_queries import SURNAME_FORMS, misspell, surname
from moviesearch.quality.wikipedia import sentences, story_clauses

pytestmark = pytest.mark.django_db

NEW = ("surname", "misspelled", "overview", "plot")
STORY = " ".join(["word"] * 22)  # an overview long enough for the overview family


def leads_file(path, rows):
    """A tiny gzip JSON Lines file of Wikipedia-style leads (never the real one)."""
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def of(queries, family):
    return [q for q in queries if q.family == family]


def is_one_edit(wrong: str, right: str) -> bool:
    """One letter dropped, or two adjacent different letters swapped."""
    if len(wrong) == len(right) - 1:
        return any(right[:i] + right[i + 1 :] == wrong for i in range(len(right)))
    if len(wrong) != len(right):
        return False
    diff = [i for i, (a, b) in enumerate(zip(wrong, right, strict=True)) if a != b]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and wrong[diff[0]] == right[diff[1]]
        and wrong[diff[1]] == right[diff[0]]
    )


def test_surname_names_the_person_who_holds_it(make_movie):
    hitchcock = [
        make_movie(f"Suspense {i}", 1950 + i, directors=["Alfred Hitchcock"])
        for i in range(3)
    ]
    make_movie("Family Film", 1960, cast=["Pat Hitchcock"])  # 1 of 4 credits
    for i in range(2):  # two Scotts, two films each: "Scott" is nobody's alone
        make_movie(f"Ridley {i}", 1980 + i, directors=["Ridley Scott"])
        make_movie(f"Tony {i}", 1990 + i, directors=["Tony Scott"])
        make_movie(f"Monster {i}", 2000 + i, directors=["Guillermo del Toro"])
        make_movie(f"Short {i}", 2010 + i, directors=["Mira Ng"])  # surname < 3
        make_movie(f"Solo {i}", 2020 + i, directors=["Prince"])  # one-word name
    surnames = of(generate_queries(seed=1), "surname")
    texts = {q.query: q for q in surnames}
    (hitch,) = [q for q in surnames if "Hitchcock" in q.query]
    assert hitch.query in {form.format("Hitchcock") for form in SURNAME_FORMS}
    assert set(hitch.relevant) == {m.pk for m in hitchcock}
    hitchcock_name = Name.objects.get(kind="person", name="Alfred Hitchcock")
    assert hitch.entity == f"person:{hitchcock_name.pk}"  # a Name id
    assert any("del Toro" in text for text in texts)
    assert not any(word in text for text in texts for word in ("Scott", "Ng", "Prince"))
    # The framing is seeded: across seeds every form is used.
    forms = {
        q.query
        for s in range(30)
        for q in generate_queries(seed=s, families=["surname"])
        if "Hitchcock" in q.query
    }
    assert len(forms) == len(SURNAME_FORMS)


def test_surname_keeps_particles_and_drops_suffixes():
    assert surname("Guillermo del Toro") == "del Toro"
    assert surname("Brian De Palma") == "De Palma"
    assert surname("Robert Downey Jr.") == "Downey"
    assert surname("Christopher Nolan") == "Nolan"
    assert surname("Prince") == "Prince"


def test_misspell_is_one_edit_in_the_longest_word():
    name = "Christopher Nolan"
    seen = set()
    for seed in range(60):
        wrong = misspell(name, rng=random.Random(seed))
        first, longest = wrong.split(" ")
        assert longest == "Nolan" and wrong != name
        assert is_one_edit(first, "Christopher") and first[0] == "C"
        seen.add(len(first) == len("Christopher"))
    assert seen == {True, False}  # both kinds of edit occur
    # Never an existing name: with every other edit taken, only one is left.
    taken = {"acd x", "abd x", "abc x", "acbd x"}
    assert misspell("Abcd X", rng=random.Random(3), taken=taken) == "Abdc X"
    assert misspell("Abcd X", rng=random.Random(3), taken=taken | {"abdc x"}) is None
    assert misspell("Ang Lee", rng=random.Random(1)) is None  # no word of 4 letters


def test_misspelled_family_on_a_catalogue(make_movie):
    films = {
        make_movie(f"Dream {i}", 2000 + i, directors=["Christopher Nolan"]).pk
        for i in range(2)
    }
    make_movie("Other", 1990, cast=["Christopher Nola"])  # an existing near-name
    (query,) = of(generate_queries(seed=5), "misspelled")
    wrong = query.query.removeprefix("movie directed by ")
    assert wrong != "Christopher Nolan" and wrong != "Christopher Nola"
    assert is_one_edit(wrong.split()[0], "Christopher")
    assert set(query.relevant) == films
    assert query == of(generate_queries(seed=5), "misspelled")[0]  # deterministic


def test_overview_query_is_the_overview(make_movie):
    long = make_movie("Harbour", 2001, overview=f"  A keeper {STORY}.  ")
    make_movie("Brief", 2002, overview="Too short to be pasted as a synopsis.")
    twins = [make_movie(f"Twin {i}", 2003, overview=f"Twins {STORY}") for i in "ab"]
    (query,) = of(generate_queries(seed=2), "overview")
    assert query.query == long.overview.strip()
    assert query.relevant == (long.pk,)
    assert query.entity == "title:harbour"
    assert all(t.pk not in query.relevant for t in twins)


LEAD = (
    "The Lost Harbour is a 1999 American drama film directed by Jane Doe. It stars "
    "Tom Hanks and Meg Ryan. A lonely lighthouse keeper named Walter Greenwood "
    "rescues a drowning sailor (Meg Ryan) and hides him from Tom Hanks's smugglers "
    "and from Bob Wiki in the harbour town. The film grossed $5 million. The "
    "original music score was composed by Hans Zimmer. The film was shot in "
    "Portland, Oregon, over six weeks. Stock footage of the harbour was used."
)


def test_story_clauses_leave_out_cast_making_and_reception():
    clauses = story_clauses(
        LEAD,
        title="The Lost Harbour",
        names=["Jane Doe", "Tom Hanks", "Meg Ryan", "Bob Wiki"],
        known_first={"Walter"},
    )
    assert clauses == [
        "A lonely lighthouse keeper named rescues a drowning sailor and hides him "
        "from smugglers and from in the town"
    ]


def test_plot_clause_has_names_and_title_words_removed(make_movie, tmp_path):
    harbour = make_movie(
        "The Lost Harbour", 1999, directors=["Jane Doe"], cast=["Tom Hanks", "Meg Ryan"]
    )
    make_movie("Odd Couple", 1968, cast=["Walter Matthau"])  # "Walter" is a first
    make_movie("Warriors", 1979, directors=["Walter Hill"])  # name of two people
    night = make_movie("Night-Train", 2005)
    make_movie("Twice", 2010)
    make_movie("Twice", 2010)
    story = "A stranger boards the last carriage and never reaches the city at dawn."
    path = leads_file(
        tmp_path / "leads.jsonl.gz",
        [
            {"title": "The Lost Harbour", "year": 1999, "overview": LEAD,
             "directors": ["Jane Doe"], "cast": ["Bob Wiki"]},
            {"title": "Night Train", "year": 2005, "overview": story},
            {"title": "Night Train", "year": 1933, "overview": "Another film " + story},
            {"title": "Twice", "year": 2010, "overview": story},
            {"title": "Unknown", "year": 2005, "overview": story},
        ],
    )  # fmt: skip
    plots = {
        q.relevant: q for q in of(generate_queries(seed=1, wikipedia=path), "plot")
    }
    assert set(plots) == {(harbour.pk,), (night.pk,)}  # title + year, one to one
    clause = plots[(harbour.pk,)].query
    assert clause == (
        "A lonely lighthouse keeper named rescues a drowning sailor and hides him "
        "from smugglers and from in the town"
    )
    for gone in ("Walter", "Greenwood", "Hanks", "Meg", "Wiki", "Lost", "harbour"):
        assert not re.search(rf"\b{gone}\b", clause, re.IGNORECASE)
    assert plots[(harbour.pk,)].entity == "title:the lost harbour"
    assert plots[(night.pk,)].query == story.rstrip(".")
    assert of(generate_queries(seed=1), "plot") == []  # no file given: no plot
    # plot_misspelled: the same clauses, one typo in the longest word (a letter
    # dropped or two adjacent letters swapped, never the first letter).
    wrong = {
        q.relevant: q
        for q in of(generate_queries(seed=1, wikipedia=path), "plot_misspelled")
    }
    assert set(wrong) == set(plots)
    for key, q in wrong.items():
        typed, meant = q.query.split(" "), plots[key].query.split(" ")
        assert len(typed) == len(meant) and q.entity == plots[key].entity
        [(bad, good)] = [(a, b) for a, b in zip(typed, meant, strict=True) if a != b]
        assert len(good) == max(len(w) for w in meant) and bad[0] == good[0]
        assert OSA.distance(bad, good) == 1 and len(bad) >= len(good) - 1


def marked(sentence: str, mark: str) -> str:
    """The sentence with `mark` after its first word."""
    first, _, rest = sentence.partition(" ")
    return " ".join(w for w in (first, mark, rest) if w)


def demo_leads(tmp_path, mark=""):
    """Leads for the demo films: a definition, then the TMDB overview as the story
    (`mark`, a word no catalogue text holds, after each sentence's first word)."""
    rows = [
        {
            "title": m.title,
            "year": m.year,
            "overview": f"{m.title} is a {m.year} film. "
            + " ".join(marked(s, mark) for s in sentences(m.overview)),
            "directors": m.directors(),
            "cast": m.cast(),
        }
        for m in Movie.objects.prefetch_related("credits__person")
    ]
    return leads_file(tmp_path / "demo-leads.jsonl.gz", rows)


def test_split_is_by_entity_across_all_families(demo_catalogue, tmp_path):
    path = demo_leads(tmp_path)
    queries = generate_queries(seed=7, wikipedia=path)
    assert {q.family for q in queries} >= set(NEW)
    train = {q.entity for q in queries if q.split == "train"}
    heldout = {q.entity for q in queries if q.split == "heldout"}
    assert not train & heldout
    for family in NEW:
        assert {q.split for q in of(queries, family)} == {"train", "heldout"}
    titles = {q.entity for q in of(queries, "title")}
    directors = {q.entity for q in of(queries, "director")}
    for q in queries:
        if q.family in ("overview", "plot", "plot_misspelled"):
            assert q.entity in titles and len(q.relevant) == 1
            title = Movie.objects.get(pk=q.relevant[0]).title
            assert q.entity == f"title:{normalise_title(title)}"
        if q.family in ("surname", "misspelled"):
            assert q.entity in directors
    # The new families do not move the split of the old ones.
    old = generate_queries(seed=7, families=["director", "title"])
    assert old == [q for q in queries if q.family in ("director", "title")]
    heldout_plot = generate_queries(
        seed=7, split="heldout", families=["plot"], wikipedia=path, limit_per_family=2
    )
    assert len(heldout_plot) == 2 and {q.split for q in heldout_plot} == {"heldout"}


def test_training_never_sees_plot_queries(demo_catalogue, tmp_path):
    from moviesearch.quality.training import document_texts

    for family in ("plot", "plot_misspelled"):
        assert family in EVALUATION_ONLY and family not in TRAINING_FAMILIES
    path = demo_leads(tmp_path)
    queries = generate_queries(seed=7, split="train", wikipedia=path)
    plots = {q.query for q in queries if q.family in EVALUATION_ONLY}
    assert plots  # handed to training_pairs all the same ...
    pairs = training_pairs(queries, document_texts())
    assert {text for text, _ in pairs} & plots == set()  # ... and dropped
    assert {q.query for q in of(queries, "surname")} & {t for t, _ in pairs}


class StopBeforeTraining(Exception):
    pass


@pytest.fixture
def finetune_spied(monkeypatch):
    """The finetune command with its training pairs recorded (`.trained`) and the
    model never loaded: it stops with StopBeforeTraining once the pairs are made."""
    from moviesearch.quality.management.commands import finetune

    real_pairs = finetune.training_pairs
    spied = SimpleNamespace(trained=[])

    def spy_pairs(queries, *args, **kwargs):
        pairs = real_pairs(queries, *args, **kwargs)
        spied.trained.extend(pairs)
        return pairs

    def stop(path):
        raise StopBeforeTraining

    monkeypatch.setattr(finetune, "training_pairs", spy_pairs)
    monkeypatch.setattr(finetune, "_load", stop)
    return spied


def test_finetune_trains_without_plot_and_measures_it(
    demo_catalogue, tmp_path, settings, monkeypatch, finetune_spied
):
    from moviesearch.quality.management.commands import finetune

    path = demo_leads(tmp_path, mark="wikimark")
    settings.QUALITY_WIKIPEDIA_PATH = str(path)
    asked = []
    real_generate = finetune.generate_queries

    def spy_generate(**kwargs):
        found = real_generate(**kwargs)
        asked.append((kwargs["split"], {q.family for q in found}))
        return found

    monkeypatch.setattr(finetune, "generate_queries", spy_generate)
    with pytest.raises(StopBeforeTraining):
        call_command(
            "finetune", "--output", str(tmp_path / "out"), "--max-pairs", "5000",
            "--eval-limit-per-family", "3", "--no-progress", stdout=StringIO(),
        )  # fmt: skip
    (train_families,) = [families for split, families in asked if split == "train"]
    (heldout_families,) = [f for split, f in asked if split == "heldout"]
    assert "plot" not in train_families and "plot" in heldout_families
    plot_texts = {q.query for q in of(generate_queries(wikipedia=path), "plot")}
    assert any("wikimark" in text for text in plot_texts)  # the leads are read
    trained = finetune_spied.trained
    assert trained and not any("wikimark" in text for pair in trained for text in pair)


def test_finetune_families_restrict_training_and_refuse_plot(
    demo_catalogue, tmp_path, finetune_spied
):
    from django.core.management.base import CommandError

    with pytest.raises(StopBeforeTraining):
        call_command(
            "finetune", "--output", str(tmp_path / "out"), "--families",
            "genre,keyword", "--eval-limit-per-family", "0", "--no-progress",
            stdout=StringIO(),
        )  # fmt: skip
    trained = finetune_spied.trained
    keyword_texts = {q.query for q in of(generate_queries(), "keyword")}
    genre_texts = {q.query for q in of(generate_queries(), "genre")}
    director_texts = {q.query for q in of(generate_queries(), "director")}
    texts = {text for text, _ in trained}
    assert texts & keyword_texts and texts & genre_texts
    assert not texts & director_texts
    with pytest.raises(CommandError, match="evaluation only"):
        call_command(
            "finetune", "--output", str(tmp_path / "out2"), "--families", "plot"
        )


@pytest.fixture
def indexed_demo(demo_catalogue, fake_encoder):
    call_command("reindex", "--no-progress", stdout=StringIO())
    return Movie.objects.all()


def test_evaluate_runs_the_new_families(indexed_demo, tmp_path):
    path = demo_leads(tmp_path)
    out = StringIO()
    call_command(
        "evaluate", "--json", "--split", "all", "--modes", "keyword,hybrid",
        "--limit-per-family", "4", "--families", ",".join(NEW),
        "--wikipedia", str(path), "--no-judged", stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    assert report["queries"] == 4 * len(NEW)
    rows = {(r["family"], r["mode"]): r for r in report["results"]}
    for family in NEW:
        for mode in ("keyword", "hybrid"):
            row = rows[(family, mode)]
            assert row["queries"] == 4
            assert 0 <= row["accuracy@1"] <= row["recall@100"] <= 1
    # Each overview's own film is among the results of its words.
    assert rows[("overview", "keyword")]["recall@100"] > 0.5

    # By default a missing Wikipedia file skips plot with a notice ...
    out, err = StringIO(), StringIO()
    call_command(
        "evaluate", "--modes", "keyword", "--limit-per-family", "1", "--no-judged",
        "--no-progress", stdout=out, stderr=err,
    )  # fmt: skip
    assert "Skipping the plot, plot_misspelled families: no file at" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert "accuracy@1" in lines[1].split()
    families = {line.split()[0] for line in lines[3:]}
    assert "overview" in families and "plot" not in families
    # ... and asking for plot explicitly is an error naming the option.
    with pytest.raises(CommandError, match="--wikipedia"):
        call_command("evaluate", "--families", "plot", "--modes", "keyword")
    with pytest.raises(CommandError, match="--wikipedia"):
        call_command(
            "evaluate", "--families", "plot", "--wikipedia", str(tmp_path / "none.gz")
        )
