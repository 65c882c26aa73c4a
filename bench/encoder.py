"""Query latency and document throughput of the embedding backends (torch fp32 and
onnx-int8, EMBEDDING_BACKEND), and how close their vectors are.

In one process, both backends of the configured model (EMBEDDING_MODEL; default the
packaged all-MiniLM-L6-v2) are loaded once (onnx-int8 exports on its first load,
then reuses EMBEDDING_ONNX_CACHE; the load time is reported). Each run (--runs,
default 5; the backend order alternates between runs) times, per backend, through
the product's own functions (embeddings.encoder.encode_query / encode_documents):
- one short query: encode_query on each of --queries (default 50) varied search
  queries (harness.make_queries), the median in ms;
- documents/s: encode_documents of --documents (default 512) TMDB movies' document
  texts (the embeddings.documents.movie_document format, built from the JSONL file
  without a database) with --batch-size (default 64).
Medians over runs; the onnx/torch ratio is taken per run (same run), then the
median. Cosine: each document and query vector of onnx-int8 against torch's.

Usage: .venv/bin/python bench/encoder.py [--runs 5] [--queries 50]
       [--documents 512] [--batch-size 64]
"""

import random
import statistics
import time

import harness
import numpy as np

BACKENDS = ("torch", "onnx-int8")


def documents(n: int, seed: int = 0) -> list[str]:
    """n document texts in movie_document's format, from random TMDB movies."""
    rows = random.Random(seed).sample(harness.read_jsonl(harness.TMDB_FILE), n)

    def sentence(label, names):
        return f"{label} {', '.join(names)}." if names else ""

    texts = []
    for row in rows:
        heading = f"{row['title']} ({row['year']})." if row.get("year") else ""
        parts = [
            heading or f"{row['title']}.",
            sentence("Genres:", sorted(row.get("genres") or [])),
            sentence("Directed by", row.get("directors") or []),
            sentence("Starring", (row.get("cast") or [])[:6]),
            sentence("Keywords:", sorted(row.get("keywords") or [])[:12]),
            (row.get("overview") or "").strip(),
        ]
        texts.append(" ".join(p for p in parts if p))
    return texts


def main():
    p = harness.parser(__doc__.splitlines()[0], scales=False, runs=5)
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--documents", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args()
    harness.setup_django(harness.TMDB_DATABASE)  # no query reaches the database
    import torch
    from django.conf import settings

    from moviesearch.embeddings import encoder

    harness.print_header("Embedding backends: torch fp32 vs onnx-int8")
    queries = harness.make_queries(args.queries, seed=7)
    texts = documents(args.documents)
    models, load_s = {}, {}
    for backend in BACKENDS:
        started = time.perf_counter()
        models[backend] = encoder._load(encoder.model_path(), None, backend)
        load_s[backend] = time.perf_counter() - started
    print(
        f"- model `{encoder.model_path()}`; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads (ONNX Runtime uses as many); "
        f"ONNX cache `{settings.EMBEDDING_ONNX_CACHE}`"
    )
    print(
        f"- {len(queries)} queries (mean {statistics.mean(map(len, queries)):.0f} "
        f"characters), {len(texts)} documents (mean "
        f"{statistics.mean(map(len, texts)):.0f} characters), batch {args.batch_size}"
        f"; load s: torch {load_s['torch']:.1f}, onnx-int8 {load_s['onnx-int8']:.1f} "
        "(torch's includes the imports, onnx-int8's the export if not cached)\n"
    )

    query_ms = {b: [] for b in BACKENDS}
    docs_per_s = {b: [] for b in BACKENDS}
    vectors = {}
    for run in range(args.runs):
        for backend in BACKENDS if run % 2 == 0 else BACKENDS[::-1]:
            encoder.get_model = lambda backend=backend: models[backend]
            encoder.encode_query("warm up")
            times, qvecs = [], []
            for query in queries:
                with harness.Timer() as timer:
                    qvecs.append(encoder.encode_query(query))
                times.append(timer.ms)
            query_ms[backend].append(harness.median(times))
            started = time.perf_counter()
            dvecs = encoder.encode_documents(texts, batch_size=args.batch_size)
            docs_per_s[backend].append(len(texts) / (time.perf_counter() - started))
            vectors.setdefault(backend, (np.stack(qvecs), dvecs))

    def ratio(values):
        ratios = [o / t for t, o in zip(*values.values(), strict=True)]
        return harness.fmt(harness.median(ratios), 2)

    def row(label, values, digits):
        cells = [harness.fmt(harness.median(values[b]), digits) for b in BACKENDS]
        return [label, *cells, ratio(values)]

    (tq, td), (oq, od) = vectors["torch"], vectors["onnx-int8"]
    doc_cos, query_cos = (od * td).sum(axis=1), (oq * tq).sum(axis=1)
    rows = [
        row(f"one query, median ms ({len(queries)} per run)", query_ms, 2),
        row(f"documents/s ({len(texts)}, batch {args.batch_size})", docs_per_s, 1),
        ["cosine onnx-int8 vs torch, documents: mean / min", "", "",
         f"{doc_cos.mean():.4f} / {doc_cos.min():.4f}"],
        ["cosine onnx-int8 vs torch, queries: mean / min", "", "",
         f"{query_cos.mean():.4f} / {query_cos.min():.4f}"],
    ]  # fmt: skip
    print(f"medians over {args.runs} runs\n")
    print(harness.table(["", "torch fp32", "onnx-int8", "onnx / torch"], rows))


if __name__ == "__main__":
    main()
