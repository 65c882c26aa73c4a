from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from moviesearch.recommendations.evaluation import evaluate
from moviesearch.recommendations.features import NAMES


class Command(BaseCommand):
    help = (
        "Measure similar movies and personal recommendations on a MovieLens-format "
        "sample (DIR holding ratings.csv[.gz] and links.csv[.gz]); rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="folder with ratings + links")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--held-out", type=float, default=0.25)
        parser.add_argument("--k", type=int, default=1, help="held-out last likes")
        parser.add_argument("--films", type=int, default=150)
        parser.add_argument(
            "--fit", action="store_true", help="fit the similar blend's weights first"
        )

    def handle(self, *args, path, seed, held_out, k, films, fit, **options):
        files = {}
        for name in ("ratings", "links"):
            found = [
                p
                for p in (path / f"{name}.csv", path / f"{name}.csv.gz")
                if p.is_file()
            ]
            if not found:
                raise CommandError(f"{path} has no {name}.csv or {name}.csv.gz")
            files[name] = found[0]
        if not 0 < held_out < 1 or k < 1 or films < 1:
            raise CommandError("--held-out must be in (0, 1); --k and --films >= 1")
        try:
            report = evaluate(
                ratings=files["ratings"],
                links=files["links"],
                seed=seed,
                held_out=held_out,
                k=k,
                films=films,
                fit=fit,
                log=lambda m: self.stderr.write(m),
            )
        except ImproperlyConfigured as exc:  # the declaration has no tmdb_id
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        out(", ".join(f"{n} {v}" for n, v in report.counts.items()))
        for name, values in report.fitted.items():
            out(f"\n{name} = (  # {', '.join(NAMES)}")
            out("    " + ", ".join(str(v) for v in values) + ",\n)")
        out("\n| similar movies | nDCG@10 |\n|---|--:|")
        for name, value in report.similar.items():
            out(f"| {name} | {value:.3f} |")
        out(
            f"\n| recommended for you (last {k} held out) | HR@10 | nDCG@10 "
            "| recall@20 |\n|---|--:|--:|--:|"
        )
        for name, (hr, nd, rc) in report.personal.items():
            out(f"| {name} | {hr:.3f} | {nd:.3f} | {rc:.3f} |")
