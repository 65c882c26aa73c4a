import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from moviesearch.catalogue import movie_model
from moviesearch.embeddings import encoder, schema
from moviesearch.embeddings.models import Fact, LexicalDocument, Name, Posting
from moviesearch.embeddings.related import related_words_due, related_words_refresh
from moviesearch.embeddings.services import EmbedReport, facts_backfill, movies_embed
from moviesearch.sql import analyze

# Past this many vectors to write, dropping the HNSW index and building it once at
# the end is faster than maintaining it row by row (measured: see bench/reindex.py).
REBUILD_INDEX_ABOVE = 2000
# Movies per chunk. In-process chunks are large because the model sorts each call's
# texts by length and pads within its batches: over the whole catalogue, reindex ran
# at 0.87 of one raw call with 256-movie chunks and 0.97 with 2,048
# (bench/reindex.py). Tasks stay small for workers.
CHUNK_IN_PROCESS, CHUNK_PER_TASK = 2048, 256


class Command(BaseCommand):
    help = "Embed movies whose vectors are missing (default), stale, or all of them."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--missing", action="store_const", dest="which", const="missing"
        )
        which.add_argument(
            "--stale",
            action="store_const",
            dest="which",
            const="stale",
            help="Missing or made from old data or another model.",
        )
        which.add_argument(
            "--all",
            action="store_const",
            dest="which",
            const="all",
            help="Re-encode every movie.",
        )
        parser.add_argument(
            "--async",
            action="store_true",
            dest="use_async",
            help="Enqueue batches for Celery workers instead.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            help=f"Movies per chunk (default {CHUNK_IN_PROCESS}, "
            f"{CHUNK_PER_TASK} per task with --async).",
        )
        parser.add_argument(
            "--keep-index",
            action="store_true",
            help="Never drop the HNSW index during a large run.",
        )
        parser.add_argument(
            "--facts",
            action="store_true",
            help="First re-read every movie's names (the declaration's facts: a "
            "role added, as studio) without re-encoding it.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args, which, use_async, batch_size, keep_index, facts, no_progress, **o
    ):
        which = which or "missing"
        if facts:
            read = facts_backfill()
            analyze(Fact, Name)
            self.stdout.write(f"Facts re-read for {read} movies.")
        if batch_size is None:
            batch_size = CHUNK_PER_TASK if use_async else CHUNK_IN_PROCESS
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        queryset = {
            "missing": movie_model().objects.embedding_missing(),
            "stale": movie_model().objects.embedding_not_current(),
            "all": movie_model().objects.all(),
        }[which]
        total = queryset.count()
        if use_async:
            return self._enqueue(queryset, batch_size, total)
        self._check_dimensions()
        rebuild = not keep_index and total > REBUILD_INDEX_ABOVE
        if rebuild:
            schema.drop_hnsw_index()
        report, started = EmbedReport(), time.perf_counter()
        try:
            with tqdm(
                total=total, unit="movie", disable=no_progress, file=self.stderr._out
            ) as bar:
                for ids in _pk_chunks(queryset, batch_size):
                    try:
                        done = movies_embed(movie_ids=ids, force=which == "all")
                    except Exception as exc:
                        report.failed += len(ids)
                        self.stderr.write(f"batch from id {ids[0]} failed: {exc}")
                        continue
                    finally:
                        bar.update(len(ids))
                    for name in ("embedded", "unchanged", "encode_seconds"):
                        setattr(
                            report, name, getattr(report, name) + getattr(done, name)
                        )
        finally:
            if rebuild or not schema.hnsw_index_exists():
                self.stdout.write("Building the HNSW index...")
                schema.create_hnsw_index()
            if report.embedded:
                analyze(movie_model(), Posting, LexicalDocument, Fact, Name)
        seconds = time.perf_counter() - started
        rate = report.embedded / seconds if seconds else 0
        self.stdout.write(
            f"Reindexed ({which}): {report.embedded} embedded, {report.unchanged} "
            f"unchanged, {report.failed} failed in {seconds:.1f}s "
            f"({rate:.1f} movies/s)."
        )
        # Due also after an upgrade that left every vector current; not while the
        # model fails (the failed movies are the report).
        if not report.failed and (
            (which == "all" and report.embedded) or related_words_due()
        ):
            try:
                self.stdout.write(f"Related words: {related_words_refresh()}.")
            except Exception as exc:
                raise CommandError(
                    f"The vectors are written; the related words failed ({exc}): "
                    "run `manage.py related_words` to retry"
                ) from exc
        if report.failed:
            raise CommandError(
                f"{report.failed} movies failed; run again to retry them"
            )

    def _check_dimensions(self):
        model_dims, column_dims = encoder.dimensions(), schema.column_dimensions()
        if model_dims != column_dims:
            raise CommandError(
                f"The model makes {model_dims}-d vectors but the column holds "
                f"{column_dims}-d: run `python manage.py resize_embeddings` (it "
                "writes the migration), then `migrate`."
            )

    def _enqueue(self, queryset, batch_size, total):
        from moviesearch.embeddings.tasks import embed_movies

        batches = 0
        for ids in _pk_chunks(queryset, batch_size):
            embed_movies.delay(ids)
            batches += 1
        self.stdout.write(f"Enqueued {total} movies in {batches} batches.")


def _pk_chunks(queryset, size):
    """Primary-key chunks of the queryset, keyset-paginated so rows fixed meanwhile
    (by this run or a worker) never shift the walk; resumable by running again."""
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]
