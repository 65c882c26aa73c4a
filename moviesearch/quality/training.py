"""Fine-tuning the configured embedding model on the catalogue's own queries, with
the reference recipe: MultipleNegativesRankingLoss (scale 20, cosine), duplicate-free
batches, sentence-transformers' own trainer. torch and sentence-transformers are
imported inside the functions, so importing this module stays cheap."""

import random
import tempfile
from collections import defaultdict

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.conf import settings
from moviesearch.embeddings.documents import movie_document
from moviesearch.quality.metrics import retrieval_metrics
from moviesearch.quality.queries import EVALUATION_ONLY, FAMILIES, columns
from moviesearch.quality.story import STORY

DOCUMENT_FORMATS = ("product", "reference")
# Every family but the Wikipedia plot clauses (evaluation only), from the training
# split: surnames and misspellings teach partial and misspelled names; an overview
# paired with its own document teaches the story-to-document match (held-out titles
# are in no pair); `story` (training only, quality.story) one part of a summary to
# the rest of its film's document.
TRAINING_FAMILIES = (*(f for f in FAMILIES if f not in EVALUATION_ONLY), STORY)
SMALL_SET = 100  # a sampled corpus keeps every film of relevant sets this small


def document_texts(document_format: str = "product", movies=None) -> dict[int, str]:
    """Each movie's text: the product's facts-rich document, or the reference
    model's "Title. Overview"."""
    if document_format not in DOCUMENT_FORMATS:
        raise ValueError(f"document format must be one of {DOCUMENT_FORMATS}")
    movies = movie_model().objects.all() if movies is None else movies
    if document_format == "reference":
        spec = catalogue()  # the title and summary it declares
        rows = columns(movies, spec.title, spec.summary)
        return {pk: f"{title}. {summary or ''}".strip() for pk, title, summary in rows}
    movies = movies.with_document_facts()
    return {m.pk: movie_document(m).text for m in movies.iterator(chunk_size=1000)}


def training_pairs(
    queries,
    documents,
    *,
    max_pairs=None,
    seed=42,
    families=TRAINING_FAMILIES,
    story=(),
) -> list[tuple]:
    """(query, relevant document) pairs, balanced: TRAINING_FAMILIES take turns (any
    other family's queries are dropped), and within a family every query gets its
    first pair before any gets a second. `story` is the story family's pairs
    (quality.story), made apart since its documents are cut."""
    rng = random.Random(seed)
    streams = []
    for family in (f for f in families if f in TRAINING_FAMILIES):
        if family == STORY:
            streams.append(list(story))
            continue
        chosen = sorted({(q.query, q.relevant) for q in queries if q.family == family})
        rng.shuffle(chosen)
        ranked = [rng.sample(relevant, len(relevant)) for _, relevant in chosen]
        streams.append(
            [
                (text, documents[films[turn]])
                for turn in range(max((len(f) for f in ranked), default=0))
                for (text, _), films in zip(chosen, ranked, strict=True)
                if turn < len(films) and films[turn] in documents
            ]
        )
    pairs = [
        stream[turn]
        for turn in range(max((len(s) for s in streams), default=0))
        for stream in streams
        if turn < len(stream)
    ]
    return pairs[:max_pairs] if max_pairs else pairs


def judged_triplets(documents) -> list[tuple]:
    """(saved query, good movie, bad movie) for every judged pair of a saved query."""
    from moviesearch.quality.models import Judgment

    verdicts = defaultdict(lambda: {"good": [], "bad": []})
    for text, movie, verdict in Judgment.objects.order_by("pk").values_list(
        "saved_query__text", "movie_id", "verdict"
    ):
        if movie in documents:
            verdicts[text][verdict].append(documents[movie])
    return [
        (text, good, bad)
        for text, found in sorted(verdicts.items())
        for good in found["good"]
        for bad in found["bad"]
    ]


def sample_corpus(documents, queries, size, *, seed=42) -> dict[int, str]:
    """`size` documents instead of all (a CPU-sized measurement): every film
    relevant to a query with a small relevant set, then a seeded sample of the rest.
    Larger relevant sets (genres) are measured within the sample."""
    if not size or size >= len(documents):
        return documents
    keep = {pk for q in queries if len(q.relevant) <= SMALL_SET for pk in q.relevant}
    rest = sorted(set(documents) - keep)
    random.Random(seed).shuffle(rest)
    chosen = keep | set(rest[: max(0, size - len(keep))])
    return {pk: text for pk, text in documents.items() if pk in chosen}


def semantic_metrics(model, queries, documents, *, progress=False) -> dict:
    """Exact cosine search of `queries` over the documents, encoded in-process by
    `model` (nothing is written to the database): metrics per family and "all".
    Relevant films missing from `documents` do not count."""
    from sentence_transformers import util

    ids = list(documents)
    common = {"normalize_embeddings": True, "convert_to_tensor": True}
    corpus = model.encode(
        [documents[pk] for pk in ids],
        prompt=settings.EMBEDDING_DOCUMENT_PROMPT or None,
        batch_size=settings.EMBEDDING_BATCH_SIZE,
        show_progress_bar=progress,
        **common,
    )
    asked = model.encode(
        [q.query for q in queries],
        prompt=settings.EMBEDDING_QUERY_PROMPT or None,
        **common,
    )
    hits = util.semantic_search(asked, corpus, top_k=100)
    runs = defaultdict(list)
    for query, found in zip(queries, hits, strict=True):
        ranked = [ids[hit["corpus_id"]] for hit in found]
        relevant = set(query.relevant) & documents.keys()
        for family in (query.family, "all"):
            if relevant:
                runs[family].append((ranked, relevant))
    return {
        family: retrieval_metrics(r) | {"queries": len(r)} for family, r in runs.items()
    }


def train(
    model,
    pairs,
    triplets=(),
    *,
    epochs=3,
    batch_size=32,
    learning_rate=5e-5,
    seed=42,
    max_seq_length=None,
    progress=True,
):
    """Fine-tune `model` in place on (query, document) pairs and, when given,
    (query, good, bad) triplets whose bad document is a hard negative."""
    import torch
    from datasets import Dataset, DatasetDict
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        util,
    )
    from sentence_transformers.sentence_transformer.losses import (
        MultipleNegativesRankingLoss,
    )
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers,
    )

    def dataset(rows):
        columns = ("anchor", "positive", "negative")[: len(rows[0])]
        return Dataset.from_dict(
            {name: [row[i] for row in rows] for i, name in enumerate(columns)}
        )

    data = {"pairs": dataset(pairs)}
    if triplets:
        data["judged"] = dataset(triplets)
    model.model_card_data.train_datasets = [
        {"name": name}
        for name in ("moviesearch (query, document) pairs", "admin judgments")
    ][: len(data)]
    loss = MultipleNegativesRankingLoss(model, scale=20.0, similarity_fct=util.cos_sim)
    full_length = model.max_seq_length
    if max_seq_length:
        model.max_seq_length = max_seq_length
    with tempfile.TemporaryDirectory() as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch,
            num_train_epochs=epochs,
            per_device_train_batch_size=batch_size,
            learning_rate=learning_rate,
            lr_scheduler_type="linear",
            warmup_steps=0,
            seed=seed,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            save_strategy="no",
            logging_steps=10,
            report_to="none",
            disable_tqdm=not progress,
            dataloader_pin_memory=torch.cuda.is_available(),
        )
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=data["pairs"] if len(data) == 1 else DatasetDict(data),
            loss=loss,
        )
        result = trainer.train()
    model.max_seq_length = full_length  # the limit shortens training inputs only
    return result
