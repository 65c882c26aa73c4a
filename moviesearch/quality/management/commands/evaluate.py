import json
import random
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from moviesearch.embeddings.encoder import model_identity
from moviesearch.quality.evaluation import ModeUnavailable, evaluate, format_table
from moviesearch.quality.queries import (
    EVALUATION_ONLY,
    FAMILIES,
    SPLITS,
    generate_queries,
    judged_queries,
    read_queries_file,
)
from moviesearch.quality.visitor_queries import misspell
from moviesearch.quality.wikipedia import wikipedia_path
from moviesearch.search.ranking import MODES


def _csv(choices):
    def parse(value):
        items = [v.strip() for v in value.split(",") if v.strip()]
        bad = [v for v in items if v not in choices]
        if bad or not items:
            raise ValueError(f"choose from {', '.join(choices)}")
        return items

    return parse


class Command(BaseCommand):
    help = (
        "Measure search quality (nDCG@10, MRR@10, Recall@10/100, Accuracy@1, latency) "
        "per query family and mode, through the same search the API runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queries",
            metavar="FILE",
            help='JSON Lines of {"query": ..., "relevant": [movie ids]} instead of '
            "generated queries.",
        )
        parser.add_argument("--modes", type=_csv(MODES), default=list(MODES))
        parser.add_argument(
            "--families", type=_csv(FAMILIES), help="Default: all of them."
        )
        parser.add_argument(
            "--wikipedia",
            metavar="PATH",
            help="Wikipedia film leads for the plot family (evaluation only); "
            "default: the QUALITY_WIKIPEDIA_PATH setting.",
        )
        parser.add_argument("--split", choices=SPLITS, default="heldout")
        parser.add_argument(
            "--limit-per-family",
            type=int,
            default=100,
            help="A seeded sample of at most N queries per family (0: all).",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--no-judged",
            action="store_true",
            help="Leave out the saved queries judged in the admin.",
        )
        parser.add_argument(
            "--misspell",
            action="store_true",
            help="Measure each query with one typo in its longest word (a letter "
            "dropped or two swapped, seeded), as family <family>_misspelled.",
        )
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true")
        output.add_argument("--markdown", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **o):
        if o["limit_per_family"] < 0:
            raise CommandError("--limit-per-family must be 0 or more")
        if o["queries"]:
            try:
                queries = read_queries_file(o["queries"])
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        else:
            families = o["families"] or list(FAMILIES)
            wikipedia = wikipedia_path(o["wikipedia"])
            plots = [f for f in families if f in EVALUATION_ONLY]
            if plots and not wikipedia.is_file():
                if o["families"] or o["wikipedia"]:
                    raise CommandError(f"--wikipedia: no file at {wikipedia}")
                self.stderr.write(
                    f"Skipping the {', '.join(plots)} families: no file at {wikipedia}"
                )
                families = [f for f in families if f not in EVALUATION_ONLY]
            try:
                queries = generate_queries(
                    seed=o["seed"],
                    split=o["split"],
                    limit_per_family=o["limit_per_family"] or None,
                    families=families,
                    wikipedia=wikipedia if plots else None,
                )
            except (OSError, ValueError) as exc:
                raise CommandError(f"--wikipedia: {exc}") from exc
            if not o["no_judged"]:
                queries += judged_queries()
        if o["misspell"]:
            queries = misspelled(queries, seed=o["seed"])
        if not queries:
            raise CommandError("No queries: is the catalogue empty?")
        bar = tqdm(
            total=len(queries) * len(o["modes"]),
            unit="query",
            disable=o["no_progress"] or o["json"],
        )
        try:
            rows = evaluate(queries, o["modes"], progress=bar.update)
        except ModeUnavailable as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        info = {
            "model": model_identity(),
            "split": "file" if o["queries"] else o["split"],
            "seed": o["seed"],
            "queries": len(queries),
        }
        if o["json"]:
            self.stdout.write(json.dumps({**info, "results": rows}, indent=2))
            return
        self.stdout.write(" ".join(f"{k}={v}" for k, v in info.items()))
        self.stdout.write(format_table(rows, markdown=o["markdown"]))


def misspelled(queries, *, seed: int) -> list:
    """Each query with one typo in its longest word (visitor_queries.misspell, seeded
    by the query), in family <family>_misspelled; a query with no word of four
    letters or more, or of a family misspelled already, is left out."""
    out = []
    for q in queries:
        if q.family.endswith("_misspelled"):  # misspelled already: left out
            continue
        rng = random.Random(f"{seed}\x00misspell\x00{q.query}")
        wrong = misspell(q.query, rng=rng)
        if wrong:
            out.append(replace(q, query=wrong, family=f"{q.family}_misspelled"))
    return out
