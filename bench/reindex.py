"""Throughput of `reindex --all` against raw model.encode on the same texts.

In a scratch database (default `bench_reindex`, rebuilt each time) holding --sample
random TMDB movies (default 2,000) with their real vectors, each run (--runs,
default 3) times, in one process with the model loaded once:
- raw: SentenceTransformer.encode of every movie's document text
  (embeddings.documents.movie_document, built beforehand, untimed) with the same
  model batch size the product uses (EMBEDDING_BATCH_SIZE) and the same options
  (normalised, numpy), in one call ("raw, one call") and in the same chunks
  of --batch-size movies the command walks ("raw, chunked");
- `reindex --all --batch-size N` through call_command, whose time is split into
  encoding (embeddings.encoder.encode_documents, wrapped by a timer) and the rest
  (document refresh, vector UPDATEs, HNSW maintenance).
The order alternates between runs so drift in machine load hits both sides.
Ratios are per run (same run), then the median.

Usage: .venv/bin/python bench/reindex.py [--runs 3] [--sample 2000]
       [--batch-size N (default: the command's own)]
"""

import io
import time

import harness


def main():
    p = harness.parser(__doc__.splitlines()[0], scales=False)
    p.add_argument("--sample", type=int, default=2000)
    p.add_argument("--batch-size", type=int, help="reindex --batch-size")
    p.add_argument("--database", default="bench_reindex")
    args = p.parse_args()
    harness.setup_django(args.database)
    from django.conf import settings

    from moviesearch.embeddings.management.commands.reindex import CHUNK_IN_PROCESS

    if args.batch_size is None:
        args.batch_size = CHUNK_IN_PROCESS

    harness.print_header(f"reindex --all vs raw encode ({args.sample:,} movies)")
    movies = harness.scratch_catalogue(args.database, args.sample)
    texts = documents()
    from moviesearch.embeddings import encoder

    model = encoder.get_model()
    model_batch = settings.EMBEDDING_BATCH_SIZE
    encoder.encode_documents(texts[:64])  # warm up
    print(
        f"- database `{args.database}` ({harness.server_version()}): {movies:,} "
        f"movies; document texts: mean {sum(map(len, texts)) / len(texts):.0f} "
        f"characters; model batch {model_batch}, reindex --batch-size "
        f"{args.batch_size}\n"
    )

    def raw_one_call():
        model.encode(
            texts,
            batch_size=model_batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return len(texts)

    def raw_chunked():
        for start in range(0, len(texts), args.batch_size):
            model.encode(
                texts[start : start + args.batch_size],
                batch_size=model_batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return len(texts)

    encode_s = [0.0]

    def reindex():
        from django.core.management import call_command

        from moviesearch.embeddings import services

        real = services.encoder.encode_documents

        def timed(*a, **kw):
            started = time.perf_counter()
            try:
                return real(*a, **kw)
            finally:
                encode_s[0] += time.perf_counter() - started

        encode_s[0] = 0.0
        services.encoder.encode_documents = timed
        out = io.StringIO()
        try:
            call_command(
                "reindex",
                "--all",
                "--no-progress",
                "--batch-size",
                str(args.batch_size),
                stdout=out,
            )
        finally:
            services.encoder.encode_documents = real
        assert f"{len(texts)} embedded" in out.getvalue(), out.getvalue()
        return len(texts)

    sides = {"raw, one call": raw_one_call, "raw, chunked": raw_chunked}
    sides["reindex --all"] = reindex
    rates = {name: [] for name in sides}
    encode_share = []
    for run in range(args.runs):
        order = list(sides) if run % 2 == 0 else list(reversed(sides))
        load = harness.load()
        for name in order:
            started = time.perf_counter()
            n = sides[name]()
            seconds = time.perf_counter() - started
            rates[name].append(n / seconds)
            if name == "reindex --all":
                encode_share.append(encode_s[0] / seconds)
        print(
            f"- run {run + 1}/{args.runs} (load before {load}): "
            + ", ".join(f"{k} {v[-1]:.1f}/s" for k, v in rates.items()),
            flush=True,
        )
    report(args, rates, encode_share)


def documents() -> list[str]:
    from catalog.models import Movie
    from moviesearch.embeddings.documents import movie_document

    movies = Movie.objects.order_by("pk").with_document_facts()
    return [movie_document(m).text for m in movies]


def report(args, rates, encode_share) -> None:
    raw = rates["raw, one call"]
    ratios = [r / b for r, b in zip(rates["reindex --all"], raw, strict=True)]
    chunked = rates["raw, chunked"]
    chunk_ratios = [r / b for r, b in zip(rates["reindex --all"], chunked, strict=True)]
    print(f"\nMovies/s, median of {args.runs} runs (load now {harness.load()})\n")
    rows = [
        [name, f"{harness.median(v):.1f}", f"{min(v):.1f}–{max(v):.1f}"]
        for name, v in rates.items()
    ]
    print(harness.table(["", "movies/s", "range"], rows))
    ratio = harness.median(ratios)
    print()
    print(
        harness.table(
            ["ratio (same run)", "median", "target"],
            [
                [
                    "reindex / raw, one call",
                    f"{ratio:.2f}",
                    "≥ 0.90: " + ("met" if ratio >= 0.9 else "missed"),
                ],
                ["reindex / raw, chunked", f"{harness.median(chunk_ratios):.2f}", ""],
                [
                    "share of reindex time spent encoding",
                    f"{harness.median(encode_share):.2f}",
                    "",
                ],
            ],
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
