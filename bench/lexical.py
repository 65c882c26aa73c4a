"""The lexical ranker's SQL: the bounded read (the product) against counting every
posting (the ranker before it), on the same database and queries.

Per query text (harness.make_queries, the bench's varied visitor queries, with
the hybrid caller's `also`: 100 movie ids), each run times
- product: moviesearch.search.lexical.bm25_scores (word counts and corpus size
  from the trigger-kept tables; each word's best POSTINGS_PER_WORD postings by
  impact; the best of those and `also` scored exactly by primary-key probes);
- every posting: the previous statement, frozen below: every posting of every
  query word read, document frequencies counted from them, the corpus counted
  from the documents table, every matching movie scored.
and reports p50/p95/p99 ms (medians over runs), the same-run ratio of p50s, and
the share of the product's top 10 that score at least the every-posting 10th
score (the scores are exact in both: a miss is a film the bounded read never saw).

Usage: .venv/bin/python bench/lexical.py [--scale 12k|100k|1m|all] [--runs 3]
       [--queries 200]
"""

import random

import harness

PREVIOUS_SQL = """
WITH stats AS (
  SELECT count(*)::float8 AS n, coalesce(avg(length), 1.0) AS avgdl
  FROM {lexdoc}
), hits AS MATERIALIZED (
  SELECT p.lexeme, p.movie_id, p.tf, p.dl FROM {posting} AS p
  WHERE p.lexeme = ANY(tsvector_to_array(to_tsvector('english'::regconfig, %s)))
), q AS (
  SELECT lexeme, ln(1.0 + (s.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
  FROM hits CROSS JOIN stats AS s GROUP BY lexeme, s.n
), scored AS MATERIALIZED (
  SELECT h.movie_id,
         sum(q.idf * h.tf * 2.2 / (h.tf + 1.2 * (1 - 0.75 + 0.75 * h.dl / s.avgdl)))
           AS score
  FROM hits AS h JOIN q USING (lexeme) CROSS JOIN stats AS s
  GROUP BY h.movie_id
)
(SELECT movie_id, score FROM scored ORDER BY score DESC, movie_id LIMIT %s)
UNION
(SELECT movie_id, score FROM scored WHERE movie_id = ANY(%s))
"""


def every_posting(text: str, limit: int, also: list[int]) -> dict[int, float]:
    from django.db import connection

    from moviesearch.embeddings.models import LexicalDocument, Posting
    from moviesearch.search.lexical import query_text
    from moviesearch.sql import with_tables

    sql = with_tables(PREVIOUS_SQL, posting=Posting, lexdoc=LexicalDocument)
    with connection.cursor() as cursor:
        cursor.execute(sql, [query_text(text), limit, also])
        return {pk: float(score) for pk, score in cursor.fetchall()}


def top(scores: dict[int, float], k: int = 10) -> list[int]:
    return sorted(scores, key=lambda pk: (-scores[pk], pk))[:k]


def main():
    p = harness.parser(__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args()
    scale = harness.dispatch(args, __file__)
    if scale:
        run_scale(scale, args)


def run_scale(scale: str, args) -> None:
    database = harness.SCALES[scale]
    harness.setup_django(database)
    from catalog.models import Movie
    from moviesearch.search.lexical import bm25_scores

    harness.print_header(f"Lexical ranker SQL at {scale} (`{database}`)", database)
    movies = Movie.objects.all()
    ids = list(movies.values_list("pk", flat=True)[:50_000])
    texts = harness.make_queries(args.queries, seed=4242)
    rng = random.Random(0)
    also = {t: rng.sample(ids, min(100, len(ids))) for t in texts}
    paths = {
        "product (bounded read, exact scores)": lambda t: bm25_scores(
            movies, t, 100, also=also[t]
        ),
        "every posting (before)": lambda t: every_posting(t, 100, also[t]),
    }
    for path in paths.values():  # warm the buffer cache and the connection
        for t in texts[:10]:
            path(t)
    times = {name: [] for name in paths}
    agree = []
    for run in range(args.runs):
        results = {}
        for name, path in paths.items():
            run_times, results[name] = [], []
            for t in texts:
                with harness.Timer() as timer:
                    results[name].append(path(t))
                run_times.append(timer.ms)
            times[name].append(run_times)
        if run == 0:
            for mine, theirs in zip(*results.values(), strict=True):
                want = top(theirs)
                if want:  # ties count (copies of a film score alike)
                    bound = theirs[want[-1]] - 1e-9
                    hits = sum(mine[pk] >= bound for pk in top(mine))
                    agree.append(min(hits, len(want)) / len(want))
        print(f"- run {run + 1}/{args.runs} done", flush=True)
    names = list(paths)
    rows = []
    for name in names:
        stats = [
            harness.median([harness.percentile(r, p) for r in times[name]])
            for p in (50, 95, 99)
        ]
        ratio = harness.median(
            [
                harness.percentile(mine, 50) / harness.percentile(base, 50)
                for mine, base in zip(times[name], times[names[1]], strict=True)
            ]
        )
        rows.append([name, *(harness.fmt(x, 2) for x in stats), f"{ratio:.2f}"])
    print(
        f"\n{movies.count():,} movies, {len(texts)} queries, {args.runs} runs; "
        "milliseconds, medians over runs\n"
    )
    print(harness.table(["ranker SQL", "p50", "p95", "p99", "p50 / before"], rows))
    share = sum(agree) / len(agree) if agree else 1.0
    print(
        f"\nTop 10 agreement: the share of the product's top 10 scoring at least "
        f"the before's 10th score (ties are hits): {share:.3f} over {len(agree)} "
        "queries with any match."
    )


if __name__ == "__main__":
    main()
