"""Query latency and document throughput of the embedding backends (torch fp32,
onnx fp32 and onnx-int8, EMBEDDING_BACKEND), and how close their vectors are.

In one process, the three backends of the configured model (EMBEDDING_MODEL; default
the packaged all-MiniLM-L6-v2) are loaded once (the onnx ones export on their first
load, then reuse EMBEDDING_ONNX_CACHE; the load time is reported). Each run (--runs,
default 5; the backend order alternates between runs) times, per backend, through
the product's own functions (embeddings.encoder.encode_query / encode_documents):
- one short query: encode_query on each of --queries (default 50) varied search
  queries (harness.make_queries), the median in ms;
- documents/s: encode_documents of --documents (default 512) TMDB movies' document
  texts (the embeddings.documents.movie_document format, built from the JSONL file
  without a database) with --batch-size (default 64).
Medians over runs; each backend's ratio to torch is taken per run (same run), then
the median. Cosine: each document and query vector of an onnx backend against
torch's.

Usage: .venv/bin/python bench/encoder.py [--runs 5] [--queries 50]
       [--documents 512] [--batch-size 64]
"""

import random
import statistics
import time

import harness
import numpy as np

BACKENDS = ("torch", "onnx", "onnx-int8")


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

    harness.print_header("Embedding backends: torch fp32, onnx fp32, onnx-int8")
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
        "; load s: "
        + ", ".join(f"{b} {load_s[b]:.1f}" for b in BACKENDS)
        + " (torch's includes the imports, the onnx ones the export if not cached)\n"
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

    def ratio(values, backend):
        ratios = [o / t for t, o in zip(values["torch"], values[backend], strict=True)]
        return harness.fmt(harness.median(ratios), 2)

    def row(label, values, digits):
        cells = [harness.fmt(harness.median(values[b]), digits) for b in BACKENDS]
        return [label, *cells, *(ratio(values, b) for b in BACKENDS[1:])]

    rows = [
        row(f"one query, median ms ({len(queries)} per run)", query_ms, 2),
        row(f"documents/s ({len(texts)}, batch {args.batch_size})", docs_per_s, 1),
    ]
    tq, td = vectors["torch"]
    for what, at in (("documents", 1), ("queries", 0)):
        cells = []
        for backend in BACKENDS[1:]:
            cos = (vectors[backend][at] * (td if at else tq)).sum(axis=1)
            cells.append(f"{cos.mean():.4f} / {cos.min():.4f}")
        rows.append([f"cosine to torch, {what}: mean / min", "", *cells, "", ""])
    print(f"medians over {args.runs} runs\n")
    head = ["", "torch fp32", "onnx fp32", "onnx-int8", "onnx / torch", "int8 / torch"]
    print(harness.table(head, rows))


if __name__ == "__main__":
    main()
