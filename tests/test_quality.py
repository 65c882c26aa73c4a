import json
import math
import shutil
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from catalog.models import Movie
from moviesearch.quality.metrics import retrieval_metrics
from moviesearch.quality.models import Judgment, SavedQuery
from moviesearch.quality.queries import (
    EVALUATION_ONLY,
    FAMILIES,
    generate_queries,
    heldout_entities,
    read_queries_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed_demo(demo_catalogue, fake_encoder):
    call_command("reindex", "--no-progress", stdout=StringIO())
    return Movie.objects.all()


def evaluate_json(*args) -> dict:
    out = StringIO()
    call_command("evaluate", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def row(report, family, mode):
    (found,) = [
        r for r in report["results"] if r["family"] == family and r["mode"] == mode
    ]
    return found


def test_metrics_match_hand_computed_values():
    runs = [
        ([5, 1, 2, 3], {1, 3}),  # relevant at ranks 2 and 4
        ([9, 8], {7}),  # relevant film never found
        ([4], set()),  # no relevant film: left out, as the evaluator does
    ]
    ndcg_first = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    got = retrieval_metrics(runs)
    assert got["ndcg@10"] == pytest.approx(ndcg_first / 2)
    assert got["mrr@10"] == pytest.approx(0.5 / 2)
    assert got["recall@10"] == pytest.approx(1.0 / 2)
    assert got["recall@100"] == pytest.approx(1.0 / 2)
    past_ten = retrieval_metrics([(list(range(100, 115)) + [1], {1})])
    assert past_ten["mrr@10"] == 0 and past_ten["recall@100"] == 1
    assert got["accuracy@1"] == 0 and past_ten["accuracy@1"] == 0
    assert retrieval_metrics([([1, 2], {1}), ([2, 1], {1})])["accuracy@1"] == 0.5


def test_heldout_entities_is_seeded_and_never_empty_or_everything():
    keys = [f"person:{i}" for i in range(50)]
    assert heldout_entities(keys, seed=1) == heldout_entities(reversed(keys), seed=1)
    assert heldout_entities(keys, seed=1) != heldout_entities(keys, seed=2)
    assert len(heldout_entities(keys, seed=1)) == 10
    assert len(heldout_entities(["a", "b"], seed=1, fraction=0.01)) == 1
    assert len(heldout_entities(["a", "b"], seed=1, fraction=0.99)) == 1


def test_generation_is_deterministic_and_split_by_entity(demo_catalogue):
    queries = generate_queries(seed=7)
    assert queries == generate_queries(seed=7)
    # No Wikipedia file: no plot families.
    assert {q.family for q in queries} == set(FAMILIES) - set(EVALUATION_ONLY)
    train = {q.entity for q in queries if q.split == "train"}
    heldout = {q.entity for q in queries if q.split == "heldout"}
    assert train and heldout and not train & heldout
    for family in ("director", "cast", "keyword"):
        assert {q.split for q in queries if q.family == family} == {"train", "heldout"}
    # One split per person: a held-out director is held out as an actor too.
    assert not {e for e in heldout if e.startswith("person:")} & train
    assert generate_queries(seed=8) != queries
    # The split does not depend on which families are asked for.
    directors = generate_queries(seed=7, families=["director"])
    assert directors == [q for q in queries if q.family == "director"]
    # Relevant set = every film of the entity.
    (nolan,) = [q for q in queries if q.query == "movie directed by Christopher Nolan"]
    films = Movie.objects.filter(
        credits__person__name="Christopher Nolan", credits__role="director"
    )
    assert set(nolan.relevant) == set(films.values_list("pk", flat=True))
    assert len(nolan.relevant) >= 2
    sample = generate_queries(seed=7, split="heldout", limit_per_family=2)
    assert sample == generate_queries(seed=7, split="heldout", limit_per_family=2)
    assert {q.split for q in sample} == {"heldout"}
    assert max(sum(q.family == f for q in sample) for f in FAMILIES) == 2


def test_evaluate_on_demo_catalogue(indexed_demo):
    report = evaluate_json(
        "--split", "all", "--limit-per-family", "8", "--seed", "3",
        "--families", "director,genre,title",
    )  # fmt: skip
    assert report["split"] == "all" and report["queries"] == 24
    assert {r["mode"] for r in report["results"]} == {"hybrid", "semantic", "keyword"}
    for r in report["results"]:
        assert r["queries"] == (24 if r["family"] == "all" else 8)
        assert all(0 <= r[m] <= 1 for m in ("ndcg@10", "mrr@10", "recall@100"))
        assert r["median_ms"] > 0
    assert row(report, "director", "keyword")["ndcg@10"] > 0.5
    assert row(report, "director", "hybrid")["ndcg@10"] > 0.8
    assert row(report, "title", "keyword")["mrr@10"] > 0.8

    out = StringIO()
    call_command(
        "evaluate", "--modes", "keyword", "--families", "director",
        "--limit-per-family", "3", "--no-progress", stdout=out,
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert "split=heldout" in lines[0]
    assert lines[1].split() == [
        "family", "mode", "queries", "ndcg@10", "mrr@10", "recall@10",
        "recall@100", "accuracy@1", "median", "ms",
    ]  # fmt: skip
    assert lines[3].split()[:3] == ["director", "keyword", "3"]


def test_evaluate_reads_a_queries_file(indexed_demo, jsonl):
    alien = Movie.objects.get(title="Alien")
    path = jsonl(
        [{"query": "alien aboard a spaceship", "relevant": [alien.pk]}], "q.jsonl"
    )
    report = evaluate_json("--queries", str(path), "--modes", "keyword")
    assert report["split"] == "file" and report["queries"] == 1
    assert row(report, "file", "keyword")["recall@100"] == 1.0


def test_a_queries_file_may_name_the_films_by_title(indexed_demo, jsonl):
    # Titles travel between catalogues; a query whose films are not in this one
    # is left out.
    path = jsonl(
        [
            {"query": "alien aboard a spaceship", "titles": ["alien"]},
            {"query": "a film this catalogue lacks", "titles": ["No Such Film"]},
        ],
        "q.jsonl",
    )
    [query] = read_queries_file(path)
    assert query.relevant == (Movie.objects.get(title="Alien").pk,)
    report = evaluate_json("--queries", str(path), "--modes", "keyword")
    assert report["queries"] == 1


def test_evaluate_can_misspell_every_query(indexed_demo, jsonl):
    from moviesearch.quality.management.commands.evaluate import misspelled

    alien = Movie.objects.get(title="Alien")
    path = jsonl(
        [
            {"query": "alien aboard a spaceship", "relevant": [alien.pk]},
            {"query": "a b c", "relevant": [alien.pk]},  # no word to misspell
        ],
        "q.jsonl",
    )
    [typed] = misspelled(read_queries_file(path), seed=42)
    assert typed.family == "file_misspelled" and typed.relevant == (alien.pk,)
    words = typed.query.split()
    assert words[:3] == ["alien", "aboard", "a"] and words[3] != "spaceship"
    assert len(words[3]) >= len("spaceship") - 1 and words[3][0] == "s"
    report = evaluate_json("--queries", str(path), "--modes", "keyword", "--misspell")
    assert report["queries"] == 1
    # Measured under its own family, the film still found.
    assert row(report, "file_misspelled", "keyword")["recall@100"] == 1.0


def test_staff_judge_results_in_the_admin_and_evaluate_uses_them(indexed_demo, client):
    staff = User.objects.create_user(
        "judge", password="pw", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    alien, odyssey, up = (
        Movie.objects.get(title=t) for t in ("Alien", "2001: A Space Odyssey", "Up")
    )
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "moviesearch_quality", "model_name": "judgment",
         "field_name": "movie", "term": "Alien"},
    )  # fmt: skip
    assert str(alien.pk) in {r["id"] for r in found.json()["results"]}
    forms = {
        "judgments-TOTAL_FORMS": "3",
        "judgments-INITIAL_FORMS": "0",
        "judgments-MIN_NUM_FORMS": "0",
        "judgments-MAX_NUM_FORMS": "1000",
    }
    for i, (movie, verdict) in enumerate(
        [(alien, "good"), (odyssey, "good"), (up, "bad")]
    ):
        forms[f"judgments-{i}-movie"] = str(movie.pk)
        forms[f"judgments-{i}-verdict"] = verdict
    response = client.post(
        "/admin/moviesearch_quality/savedquery/add/",
        {"text": "alien creature hunting a crew in space", "notes": "", **forms},
    )
    assert response.status_code == 302, response.content[:2000]
    saved = SavedQuery.objects.get()
    assert saved.created_by == staff
    assert dict(saved.judgments.values_list("movie__title", "verdict")) == {
        "Alien": "good",
        "2001: A Space Odyssey": "good",
        "Up": "bad",
    }
    page = client.get(f"/admin/moviesearch_quality/savedquery/{saved.pk}/change/")
    assert page.status_code == 200
    assert b"Current results" in page.content and "✓ good".encode() in page.content
    listing = client.get("/admin/moviesearch_quality/savedquery/")
    assert b"alien creature hunting" in listing.content

    report = evaluate_json("--families", "director", "--limit-per-family", "1")
    judged = row(report, "judged", "hybrid")
    assert judged["queries"] == 1 and judged["recall@100"] > 0
    assert "judged" not in {
        r["family"]
        for r in evaluate_json("--no-judged", "--limit-per-family", "1")["results"]
    }


@pytest.fixture
def tiny_model(tmp_path):
    """A 32-dimension, one-layer BERT with the packaged model's tokenizer, made here
    (nothing is downloaded): fine-tuning it takes seconds."""
    import torch
    from transformers import BertConfig, BertModel

    from moviesearch.embeddings.encoder import model_path

    folder = tmp_path / "tiny"
    shutil.copytree(model_path(), folder)
    config = BertConfig.from_pretrained(folder)
    config.update(
        {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
         "intermediate_size": 64}
    )  # fmt: skip
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    pooling = folder / "1_Pooling" / "config.json"
    pooling.write_text(
        json.dumps(json.loads(pooling.read_text()) | {"word_embedding_dimension": 32})
    )
    return folder


def test_finetune_writes_a_loadable_model(demo_catalogue, tiny_model, settings):
    from sentence_transformers import SentenceTransformer

    settings.EMBEDDING_MODEL = str(tiny_model)
    saved = SavedQuery.objects.create(text="space horror")
    for title, verdict in (("Alien", "good"), ("Up", "bad")):
        Judgment.objects.create(
            saved_query=saved, movie=Movie.objects.get(title=title), verdict=verdict
        )
    out, target = StringIO(), tiny_model.parent / "tuned"
    call_command(
        "finetune", "--output", str(target), "--max-pairs", "16", "--epochs", "1",
        "--batch-size", "8", "--max-seq-length", "32", "--hard-negatives",
        "--eval-limit-per-family", "2", "--eval-corpus", "120", "--no-progress",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "16 pairs + 1 triplets" in text and "over 120 product documents" in text
    assert "held-out (semantic)" in text and "director" in text
    assert f"EMBEDDING_MODEL={target}" in text
    model = SentenceTransformer(str(target), device="cpu")
    assert model.encode(["movie directed by Christopher Nolan"]).shape == (1, 32)
    assert model.max_seq_length == 256  # the training limit is not saved
    tuned = model[0].auto_model.embeddings.word_embeddings.weight
    base = SentenceTransformer(str(tiny_model), device="cpu")
    assert not base[0].auto_model.embeddings.word_embeddings.weight.equal(tuned)
    card = (target / "README.md").read_text()
    assert "MultipleNegativesRankingLoss" in card and "16 training samples" in card
    summary = json.loads((target / "moviesearch_finetune.json").read_text())
    assert summary["pairs"] == 16 and summary["options"]["lr"] == 5e-5
    assert set(summary["heldout_semantic"]["after"]) >= {"director", "all"}


def test_hybrid_recognises_keywords_decades_and_exact_titles(indexed_demo):
    def top(text, n=10):
        return Movie.objects.search(text, mode="hybrid", limit=n)

    tagged = top("movie about world war ii")
    assert all(m.keywords.filter(name="world war ii").exists() for m in tagged)
    nineties = top("crime movies from the 1990s")
    assert len(nineties) == 10
    assert all(
        1990 <= m.year <= 1999 and m.genres.filter(name="Crime").exists()
        for m in nineties
    )
    assert [m.title for m in top("up", 1)] == ["Up"]
    assert [m.title for m in top("the cabinet of dr. caligari", 1)] == [
        "The Cabinet of Dr. Caligari"
    ]


def test_story_pairs_match_a_clause_of_a_training_film_to_the_rest_of_it(
    demo_catalogue,
):
    from moviesearch.quality.story import story_pairs
    from moviesearch.quality.training import document_texts

    documents = document_texts()
    movies = Movie.objects.all()
    films = set(movies.order_by("pk").values_list("pk", flat=True)[:60])
    pairs = story_pairs(movies, films, documents, seed=7)
    assert len(pairs) >= 50 and pairs == story_pairs(movies, films, documents, seed=7)
    by_title = {m.pk: m for m in movies}
    cut = 0
    for clause, document in pairs:
        words = set(document.split())
        (pk,) = [pk for pk, full in documents.items() if words <= set(full.split())]
        film = by_title[pk]
        assert pk in films  # a held-out film makes no pair
        overview = film.overview.casefold()
        assert all(word in overview for word in clause.casefold().split()[:3])
        assert not any(name in clause for name in film.cast())
        if len(document) < len(documents[pk]):
            cut += 1
            assert clause not in document
    assert len(pairs) // 2 < cut < len(pairs)  # one pair in ten keeps its sentence


def test_finetune_trains_on_story_pairs(demo_catalogue, tiny_model, settings):
    settings.EMBEDDING_MODEL = str(tiny_model)
    out, target = StringIO(), tiny_model.parent / "story"
    call_command(
        "finetune", "--output", str(target), "--families", "story", "--max-pairs",
        "12", "--epochs", "1", "--batch-size", "4", "--max-seq-length", "32",
        "--eval-limit-per-family", "0", "--no-progress", stdout=out,
    )  # fmt: skip
    assert "12 pairs + 0 triplets" in out.getvalue()
    summary = json.loads((target / "moviesearch_finetune.json").read_text())
    assert summary["options"]["families"] == ["story"]
    with pytest.raises(CommandError, match="evaluation only"):
        call_command("finetune", "--output", str(target), "--families", "story,plot")
