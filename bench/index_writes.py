"""Writing N vectors into the movie table: with the HNSW index maintained row by row,
versus dropping it, writing, and building it once (what `reindex` does above
REBUILD_INDEX_ABOVE rows). Runs inside transactions that are rolled back, so the
database is left as it was. Usage: python bench/index_writes.py [--runs 3]"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demosite.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from moviesearch.embeddings import schema  # noqa: E402

# Rewrite every stored vector with itself (bulk UPDATE ... FROM, like the service).
WRITE = """
UPDATE catalog_movie AS m SET embedding = v.embedding
FROM (SELECT id, embedding FROM catalog_movie WHERE embedding IS NOT NULL) AS v
WHERE m.id = v.id
"""


def timed(rebuild: bool) -> float:
    started = time.perf_counter()
    with transaction.atomic():
        if rebuild:
            schema.drop_hnsw_index()
        with connection.cursor() as cursor:
            cursor.execute(WRITE)
        if rebuild:
            schema.create_hnsw_index()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_movie WHERE embedding IS NOT NULL")
        n = cursor.fetchone()[0]
    kept = statistics.median(timed(False) for _ in range(runs))
    rebuilt = statistics.median(timed(True) for _ in range(runs))
    print(f"| writing {n} vectors (median of {runs}) | seconds | ratio |")
    print("|---|---|---|")
    print(f"| HNSW index kept, updated row by row | {kept:.1f} | 1.00 |")
    print(f"| index dropped, rows written, index built | {rebuilt:.1f} | "
          f"{rebuilt / kept:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
