"""Run queries through the search the API uses and score the rankings."""

import statistics
import time
from collections import defaultdict

from django.test.utils import override_settings

from moviesearch.quality.metrics import METRICS, retrieval_metrics
from moviesearch.search.params import SearchParams
from moviesearch.search.services import movies_search

DEPTH = 100  # results fetched per query: enough for Recall@100
# Query vectors are cached by text; a dummy cache makes every mode pay for its own
# encoding, as a new query does in production, so latencies are comparable.
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


class ModeUnavailable(RuntimeError):
    """The search fell back to another mode (e.g. the model did not load)."""


def ranked_ids(text: str, mode: str) -> list[int]:
    result = movies_search(params=SearchParams(q=text, mode=mode, limit=DEPTH))
    if result.mode != mode:
        raise ModeUnavailable(
            f"{mode} search fell back to {result.mode}: {result.notice}"
        )
    return [movie.pk for movie in result.movies]


def evaluate(queries, modes, *, progress=None) -> list[dict]:
    """One row per (family, mode), then an "all" row per mode: the query count,
    METRICS and the median latency in milliseconds."""
    if any(mode != "keyword" for mode in modes):
        from moviesearch.embeddings.encoder import get_model

        get_model()  # load once, outside the timings
    rows = []
    with override_settings(CACHES=NO_CACHE):
        for mode in modes:
            runs, latency = defaultdict(list), defaultdict(list)
            for query in queries:
                started = time.perf_counter()
                ranked = ranked_ids(query.query, mode)
                elapsed = (time.perf_counter() - started) * 1000
                for family in (query.family, "all"):
                    runs[family].append((ranked, query.relevant))
                    latency[family].append(elapsed)
                if progress:
                    progress()
            for family, family_runs in runs.items():
                rows.append(
                    {
                        "family": family,
                        "mode": mode,
                        "queries": len(family_runs),
                        **retrieval_metrics(family_runs),
                        "median_ms": statistics.median(latency[family]),
                    }
                )
    order = {
        family: i for i, family in enumerate(dict.fromkeys(r["family"] for r in rows))
    }
    order["all"] = len(order)
    rows.sort(key=lambda r: (order[r["family"]], modes.index(r["mode"])))
    return rows


def format_table(rows, *, markdown: bool = False) -> str:
    head = ["family", "mode", "queries", *METRICS, "median ms"]
    lines = [
        [
            r["family"],
            r["mode"],
            str(r["queries"]),
            *(f"{r[m]:.3f}" for m in METRICS),
            f"{r['median_ms']:.1f}",
        ]
        for r in rows
    ]
    if markdown:
        rule = ["---"] * 2 + ["--:"] * (len(head) - 2)
        return "\n".join(f"| {' | '.join(x)} |" for x in [head, rule, *lines])
    widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=True)]

    def fmt(cells):
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, lines)])
