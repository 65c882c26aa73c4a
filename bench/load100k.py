"""Build a benchmark database: 100k movies (`bench100k`) or, with --scale 1m, a
million (`bench1m`), on the same server.

What it holds, in order (each step timed and printed as a markdown table):
1. the TMDB catalogue (11,875) through `import_movies`; its vectors copied from the
   TMDB database (BENCH_TMDB_DATABASE, read only) where the document is identical
   (same hash), so they are the real MiniLM vectors and count as current;
2. the Wikipedia catalogue (34,373 lines) through `import_movies`;
3. --embed-wiki of those (default 6,000, a seeded random sample) embedded for real
   through moviesearch.embeddings.services.movies_embed (the product's path, MiniLM);
4. the other Wikipedia movies: a vector made from a real one of the same first
   genre (see `perturb`), marked embedding_model="bench:perturbed-copy";
5. synthetic rows up to --total (default 100,000): copies of really-embedded
   movies (title + " (copy N)", year ±5, popularity × 0.1–1, same genres, keywords,
   credits, full-text vector, names (facts) and BM25 postings) with a perturbed
   copy of the source's vector,
   marked embedding_model="bench:synthetic-copy"; written with COPY + INSERT SELECT,
   with the postings' secondary indexes and triggers off (rebuilt and recounted
   after: what the triggers would have counted);
6. the related words (moviesearch.embeddings.related) from the first 50,000
   movies' vocabulary, as `reindex` builds them;
7. the HNSW index built once at the end (--m, --ef-construction; maintenance_work_mem
   --maintenance-mem), then VACUUM ANALYZE.

Perturbation: v = normalise(src + 0.3 (partner - src) + N(0, 0.025^2 I)), partner a
random real vector of a movie sharing src's first genre: cosine(v, src) ~ 0.84 and
v's nearest other real vector ~ 0.6 (real movies' nearest neighbour: median 0.63),
so copies sit in the populated regions of the space without being duplicates.

Usage: .venv/bin/python bench/load100k.py [--scale 100k|1m] [--rebuild] [--total N]
"""

import time

import harness
import numpy as np

SEED = 20240607
TOTALS = {"100k": 100_000, "1m": 1_000_000}
PERTURBED = "bench:perturbed-copy"
SYNTHETIC = "bench:synthetic-copy"


def main():
    p = harness.parser(__doc__.splitlines()[0], scales=False, runs=1)
    p.add_argument("--scale", choices=list(TOTALS), default="100k")
    p.add_argument("--database", help="default: the scale's (bench/harness.py)")
    p.add_argument("--total", type=int, help="default: the scale's")
    p.add_argument("--embed-wiki", type=int, default=6000)
    p.add_argument("--m", type=int, help="HNSW graph degree (default: declared)")
    p.add_argument("--ef-construction", type=int, help="default: declared")
    p.add_argument("--maintenance-mem", default="1GB")
    p.add_argument("--rebuild", action="store_true", help="drop and build again")
    args = p.parse_args()
    args.database = args.database or harness.SCALES[args.scale]
    args.total = args.total or TOTALS[args.scale]
    harness.setup_django(args.database)
    if not harness.create_database(args.database, args.rebuild):
        print(f"{args.database} exists; --rebuild to build it again.")
        describe(args.database)
        return
    harness.print_header(f"Building {args.database}")
    steps = build(args)
    print(harness.table(["step", "rows", "seconds", "rows/s"], steps))
    describe(args.database)


def build(args) -> list[list]:
    from django.core.management import call_command
    from django.db import connection

    from moviesearch.embeddings import schema

    steps = []

    def step(name, rows, started):
        s = time.perf_counter() - started
        steps.append([name, f"{rows:,}", f"{s:.1f}", f"{rows / s:,.0f}" if s else ""])
        print(f"- {name}: {rows:,} rows in {s:.1f}s", flush=True)

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    schema.drop_hnsw_index()
    step("migrate (HNSW index dropped for the load)", 0, t)

    t = time.perf_counter()
    call_command("import_movies", str(harness.TMDB_FILE), "--no-progress")
    step("import TMDB (import_movies)", count("tmdb_id IS NOT NULL"), t)

    t = time.perf_counter()
    step(
        f"copy TMDB vectors from database {harness.TMDB_DATABASE}",
        harness.copy_tmdb_vectors(),
        t,
    )

    t = time.perf_counter()
    call_command("import_movies", str(harness.WIKI_FILE), "--no-progress")
    step("import Wikipedia (import_movies)", count("tmdb_id IS NULL"), t)

    rng = np.random.default_rng(SEED)
    t = time.perf_counter()
    step("embed Wikipedia sample with MiniLM", embed_wiki(rng, args.embed_wiki), t)

    vectors = Vectors.load()
    t = time.perf_counter()
    step("perturbed vectors for the other Wikipedia rows", fill_wiki(rng, vectors), t)

    t = time.perf_counter()
    with postings_bulk():
        step(
            "synthetic copies (COPY + INSERT SELECT)", synthesise(rng, vectors, args), t
        )
        t = time.perf_counter()
    step("postings' indexes rebuilt, word counts recounted", count("TRUE"), t)

    from moviesearch.embeddings.related import related_words_refresh

    t = time.perf_counter()
    step(
        "related words (the first 50,000 movies' vocabulary)",
        related_words_refresh().words,
        t,
    )

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = %s", [args.maintenance_mem])
    from moviesearch.embeddings.schema import hnsw_index

    declared = hnsw_index()
    args.m = args.m or declared.m
    args.ef_construction = args.ef_construction or declared.ef_construction
    t = time.perf_counter()
    create_hnsw(args.m, args.ef_construction)
    step(
        f"build HNSW index (m={args.m}, ef_construction={args.ef_construction})",
        count("TRUE"),
        t,
    )

    t = time.perf_counter()
    from moviesearch.catalogue import movie_model
    from moviesearch.indexing import analyze, index_models

    with connection.cursor() as cursor:
        for table in ("catalog_movie_genres", "catalog_credit"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    analyze(movie_model(), *index_models())
    step("VACUUM ANALYZE", count("TRUE"), t)
    return steps


def create_hnsw(m: int, ef_construction: int) -> None:
    """The declared HNSW index (same name, column and operator class) with these
    build parameters."""
    from django.db import connection

    from moviesearch.embeddings.schema import hnsw_index

    index = hnsw_index()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {index.name} ON catalog_movie USING hnsw "
            f"(embedding {index.opclasses[0]}) "
            f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
        )


# The postings' indexes other than the primary key (posting_impact,
# posting_movie_lexeme).
SECONDARY_SQL = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
JOIN pg_index AS x ON x.indexrelid = (quote_ident(i.indexname))::regclass
WHERE i.tablename = 'moviesearch_embeddings_posting' AND NOT x.indisprimary
"""


class postings_bulk:
    """While synthetic rows are copied in: the postings' secondary indexes dropped
    and the word-count triggers off; after, the indexes built once and the counts
    recomputed from the rows (what the triggers would have kept)."""

    def __enter__(self):
        from django.db import connection

        self.ddl = {}
        with connection.cursor() as cursor:
            cursor.execute(SECONDARY_SQL)
            for name, ddl in cursor.fetchall():
                self.ddl[name] = ddl
                cursor.execute(f"DROP INDEX {name}")
            for table in (
                "moviesearch_embeddings_posting",
                "moviesearch_embeddings_lexicaldocument",
            ):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for ddl in self.ddl.values():
                cursor.execute(ddl)
            for table in (
                "moviesearch_embeddings_posting",
                "moviesearch_embeddings_lexicaldocument",
            ):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute(RECOUNT_SQL)
        return False


RECOUNT_SQL = """
DELETE FROM moviesearch_embeddings_lexeme;
INSERT INTO moviesearch_embeddings_lexeme (lexeme, df)
SELECT lexeme, count(*) FROM moviesearch_embeddings_posting GROUP BY lexeme;
DELETE FROM moviesearch_embeddings_corpus;
INSERT INTO moviesearch_embeddings_corpus (id, documents, length)
SELECT 1, count(*), coalesce(sum(length), 0)
FROM moviesearch_embeddings_lexicaldocument;
"""


def count(where: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM catalog_movie WHERE {where}")
        return cursor.fetchone()[0]


def embed_wiki(rng, n: int) -> int:
    from catalog.models import Movie
    from moviesearch.embeddings.services import movies_embed

    ids = np.array(
        Movie.objects.filter(tmdb_id__isnull=True, embedding__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = sorted(rng.choice(ids, size=min(n, len(ids)), replace=False).tolist())
    done = 0
    for start in range(0, len(chosen), 256):
        done += movies_embed(movie_ids=chosen[start : start + 256]).embedded
        if start % 2048 == 0:
            print(f"  embedded {done:,}/{len(chosen):,}", flush=True)
    return done


class Vectors:
    """Every real (MiniLM) vector in the database, with its movie's first genre."""

    def __init__(self, ids, matrix, genre):
        self.ids, self.matrix, self.genre = ids, matrix, genre
        self.by_genre = {g: np.flatnonzero(genre == g) for g in np.unique(genre)}

    @classmethod
    def load(cls):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT m.id, m.embedding::text, coalesce(min(mg.genre_id), 0) "
                "FROM catalog_movie m "
                "LEFT JOIN catalog_movie_genres mg ON mg.movie_id = m.id "
                "WHERE m.embedding IS NOT NULL AND m.embedding_model NOT LIKE "
                "'bench:%' GROUP BY m.id ORDER BY m.id"
            )
            rows = cursor.fetchall()
        ids = np.array([r[0] for r in rows])
        matrix = np.array(
            [np.fromstring(r[1][1:-1], sep=",") for r in rows], dtype=np.float32
        )
        return cls(ids, matrix, np.array([r[2] for r in rows]))

    def pick(self, rng, genres) -> np.ndarray:
        """A random real vector's row for each genre (any row when it has none)."""
        anyone = np.arange(len(self.ids))
        return np.array([rng.choice(self.by_genre.get(g, anyone)) for g in genres])

    def perturb(self, rng, rows: np.ndarray, genres: np.ndarray) -> np.ndarray:
        """New unit vectors near self.matrix[rows], pulled towards a random real
        vector of the given genre (any real vector when the genre has none)."""
        partners = self.pick(rng, genres)
        src = self.matrix[rows]
        out = src + 0.3 * (self.matrix[partners] - src)
        out += rng.normal(0, 0.025, out.shape).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.astype(np.float32)


def _copy_vectors(cursor, table: str, columns: str, types: list[str], rows) -> None:
    """Binary COPY of rows ending in a numpy vector (pgvector's psycopg adapter)."""
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT BINARY)") as c:
        c.set_types(types)
        for row in rows:
            c.write_row(row)


def fill_wiki(rng, vectors: Vectors) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, coalesce(min(mg.genre_id), 0) FROM catalog_movie m "
            "LEFT JOIN catalog_movie_genres mg ON mg.movie_id = m.id "
            "WHERE m.embedding IS NULL GROUP BY m.id ORDER BY m.id"
        )
        todo = cursor.fetchall()
    if not todo:
        return 0
    genres = np.array([g for _, g in todo])
    new = vectors.perturb(rng, vectors.pick(rng, genres), genres)
    with (
        harness.raw_connect(connection.settings_dict["NAME"], vectors=True) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("CREATE TEMP TABLE wiki_vec (id bigint, embedding vector(384))")
        _copy_vectors(
            cur,
            "wiki_vec",
            "id, embedding",
            ["int8", "vector"],
            zip([i for i, _ in todo], new, strict=True),
        )
        cur.execute(
            "UPDATE catalog_movie m SET embedding = w.embedding, embedding_hash = '', "
            "embedding_model = %s, embedded_at = now() FROM wiki_vec w "
            "WHERE m.id = w.id",
            [PERTURBED],
        )
        return cur.rowcount


def synthesise(rng, vectors: Vectors, args) -> int:
    from django.db import connection

    from moviesearch.embeddings.models import Fact, LexicalDocument, Posting
    from moviesearch.sql import with_tables

    n = args.total - count("TRUE")
    if n <= 0:
        return 0
    rows = rng.integers(0, len(vectors.ids), n)
    new = vectors.perturb(rng, rows, vectors.genre[rows])
    with (
        harness.raw_connect(connection.settings_dict["NAME"], vectors=True) as conn,
        conn.cursor() as cur,
    ):
        ids = [
            r[0]
            for r in cur.execute(
                "SELECT nextval(pg_get_serial_sequence('catalog_movie', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            ).fetchall()
        ]
        cur.execute(
            "CREATE TEMP TABLE syn (id bigint, src bigint, year_delta int, "
            "pop_factor float8, embedding vector(384))"
        )
        year_delta = rng.integers(-5, 6, n)
        pop = rng.uniform(0.1, 1.0, n)
        _copy_vectors(
            cur,
            "syn",
            "id, src, year_delta, pop_factor, embedding",
            ["int8", "int8", "int4", "float8", "vector"],
            (
                (ids[i], int(vectors.ids[rows[i]]), int(year_delta[i]), pop[i], new[i])
                for i in range(n)
            ),
        )
        cur.execute(
            """
            INSERT INTO catalog_movie (id, title, original_title, year, release_date,
              overview, tagline, runtime, original_language, popularity,
              vote_average, vote_count, tmdb_id, imdb_id, created_at, updated_at,
              document_hash, search_vector, embedding, embedding_hash,
              embedding_model, embedded_at, embedding_error)
            SELECT s.id, left(m.title, 270) || ' (copy ' || s.id || ')',
              m.original_title,
              CASE WHEN m.year IS NULL THEN NULL
                ELSE least(2100, greatest(1870, m.year + s.year_delta)) END,
              NULL, m.overview, m.tagline, m.runtime, m.original_language,
              m.popularity * s.pop_factor, m.vote_average, m.vote_count, NULL, NULL,
              now(), now(), '', m.search_vector, s.embedding, '', %s, now(), ''
            FROM syn s JOIN catalog_movie m ON m.id = s.src
            """,
            [SYNTHETIC],
        )
        inserted = cur.rowcount
        for table, column in (
            ("catalog_movie_genres", "genre_id"),
            ("catalog_movie_keywords", "keyword_id"),
        ):
            cur.execute(
                f"INSERT INTO {table} (movie_id, {column}) "
                f"SELECT s.id, l.{column} FROM syn s "
                f"JOIN {table} l ON l.movie_id = s.src"
            )
        cur.execute(
            'INSERT INTO catalog_credit (movie_id, person_id, role, "order") '
            'SELECT s.id, c.person_id, c.role, c."order" FROM syn s '
            "JOIN catalog_credit c ON c.movie_id = s.src"
        )
        # What refreshing their documents would write, the source's: the names the
        # search matches and filters by genre, and the BM25 postings (the title's
        # "copy N" left out of them).
        derived = {"fact": Fact, "document": LexicalDocument, "posting": Posting}
        cur.execute(with_tables(COPY_DERIVED_SQL, **derived))
    return inserted


COPY_DERIVED_SQL = """
INSERT INTO {fact} (movie_id, role, name_id, position)
SELECT s.id, f.role, f.name_id, f.position FROM syn s
JOIN {fact} f ON f.movie_id = s.src;
INSERT INTO {document} (movie_id, length)
SELECT s.id, d.length FROM syn s JOIN {document} d ON d.movie_id = s.src;
INSERT INTO {posting} (lexeme, movie_id, tf, dl, impact)
SELECT p.lexeme, s.id, p.tf, p.dl, p.impact FROM syn s
JOIN {posting} p ON p.movie_id = s.src;
"""


SIZES_SQL = """
SELECT name, b.bytes / 1048576.0 FROM (VALUES
  ('movie table (heap + TOAST: vectors, full-text)', 'catalog_movie', false),
  ('HNSW index (movie_embedding_hnsw)', 'movie_embedding_hnsw', false),
  ('movie table, all its indexes', 'catalog_movie', true),
  ('postings (BM25), with indexes', 'moviesearch_embeddings_posting', false),
  ('postings index (lexeme, impact)', 'posting_impact', false),
  ('word counts (lexeme)', 'moviesearch_embeddings_lexeme', false),
  ('facts (names by role), with indexes', 'moviesearch_embeddings_fact', false)
) AS r(name, rel, indexes_only)
CROSS JOIN LATERAL (SELECT CASE
  WHEN indexes_only THEN pg_indexes_size(rel::regclass)
  WHEN rel = 'catalog_movie' THEN pg_table_size(rel::regclass)
  ELSE pg_total_relation_size(rel::regclass) END AS bytes) AS b
"""


def describe(database: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN embedding_model LIKE 'bench:%' THEN embedding_model "
            "WHEN embedding IS NULL THEN 'no vector' "
            "WHEN tmdb_id IS NOT NULL THEN 'MiniLM (TMDB, copied)' "
            "ELSE 'MiniLM (Wikipedia, embedded here)' END, count(*) "
            "FROM catalog_movie GROUP BY 1 ORDER BY 2 DESC"
        )
        rows = [[kind, f"{n:,}"] for kind, n in cursor.fetchall()]
        cursor.execute(SIZES_SQL)
        sizes = [[name, f"{mb:,.0f}"] for name, mb in cursor.fetchall()]
    print(f"\n`{database}` ({harness.server_version()})\n")
    print(harness.table(["relation", "MB"], sizes))
    print()
    print(harness.table(["vectors", "movies"], rows))


if __name__ == "__main__":
    main()
