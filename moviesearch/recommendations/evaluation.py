"""Offline evaluation on a MovieLens-format sample, through the functions the API
calls; everything it writes is rolled back."""

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from django.db import transaction
from django.db.models import F
from scipy import sparse

from moviesearch.catalogue import catalogue, movie_model
from moviesearch.embeddings.models import Fact
from moviesearch.recommendations import metrics, weights
from moviesearch.recommendations.features import feature_rows
from moviesearch.recommendations.importer import films_by_tmdb_id
from moviesearch.recommendations.models import CoLike, Interaction, LikeCount
from moviesearch.recommendations.movielens import Problems, links_read, ratings_read
from moviesearch.recommendations.selectors import recommended
from moviesearch.recommendations.services import colikes_rebuild
from moviesearch.recommendations.similar import candidates
from moviesearch.recommendations.split import (
    LIKE,
    Event,
    by_user,
    held_out_split,
    users_split,
)
from moviesearch.recommendations.visitors import Visitor

K, KR = 10, 20


@dataclass
class Report:
    similar: dict[str, float] = field(default_factory=dict)  # name → nDCG@10
    personal: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    fitted: dict[str, tuple[float, ...]] = field(default_factory=dict)


def events_read(ratings, links) -> list[Event]:
    """The ratings of catalogue films, as events."""
    by_tmdb_id = films_by_tmdb_id()
    problems = Problems()
    link_map = links_read(links, problems)
    return [
        Event(r.user, by_tmdb_id[r.tmdb_id], float(r.rating), r.timestamp)
        for r in ratings_read(ratings, link_map, problems)
        if r.tmdb_id in by_tmdb_id
    ]


class Likes:
    """Who likes what among some users: a sparse users × films matrix."""

    def __init__(self, rows: dict[str, list[Event]]):
        liked = {
            u: {e.movie_id for e in es if e.rating >= LIKE} for u, es in rows.items()
        }
        self.films = sorted({m for ms in liked.values() for m in ms})
        self.index = {m: i for i, m in enumerate(self.films)}
        pairs = [(u, self.index[m]) for u, ms in enumerate(liked.values()) for m in ms]
        data = np.ones(len(pairs))
        self.x = sparse.csr_matrix(
            (data, ([u for u, _ in pairs], [i for _, i in pairs])),
            shape=(len(liked), len(self.films)),
        )
        self.xt = self.x.T.tocsr()
        self.count = np.asarray(self.x.sum(axis=0)).ravel()

    def popular(self) -> list[int]:
        order = np.lexsort((np.array(self.films), -self.count))
        return [self.films[i] for i in order]

    def cosine_to(self, movie_id: int) -> np.ndarray:
        """Cosine over likers between a film and every film (0 for unknown)."""
        i = self.index.get(movie_id)
        if i is None:
            return np.zeros(len(self.films))
        together = np.asarray((self.xt @ self.x[:, i]).todense()).ravel()
        return together / np.sqrt(np.maximum(self.count * self.count[i], 1))

    def knn(self, history: list[int]) -> np.ndarray:
        """Item-kNN: the summed cosine of each film to the history's films."""
        h = np.zeros(len(self.films))
        for m in history:
            if m in self.index:
                h[self.index[m]] = 1 / math.sqrt(self.count[self.index[m]])
        return (self.xt @ (self.x @ h)) / np.sqrt(np.maximum(self.count, 1))

    def top(self, scores: np.ndarray, exclude: set[int], n: int) -> list[int]:
        order = np.lexsort((np.array(self.films), -scores))
        out = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            if self.films[i] not in exclude:
                out.append(self.films[i])
        return out


def neighbours_truth(
    likes: Likes, films: list[int], *, together: int = 5, likers: int = 10
) -> dict[int, set[int]]:
    """A film's 20 nearest films by cosine over likers (≥ `together` co-likers,
    candidates with ≥ `likers` likers)."""
    truth = {}
    for film in films:
        i = likes.index[film]
        co = np.asarray((likes.xt @ likes.x[:, i]).todense()).ravel()
        cos = co / np.sqrt(np.maximum(likes.count * likes.count[i], 1))
        ok = (co >= together) & (likes.count >= likers)
        ok[i] = False
        cos = np.where(ok, cos, -1)
        order = np.lexsort((np.array(likes.films), -cos))[:20]
        truth[film] = {likes.films[j] for j in order if cos[j] > 0}
    return {f: t for f, t in truth.items() if t}


def first_genres(ids) -> dict[int, int]:
    """Each film's main genre (its first, as the declaration lists them): a Name id."""
    rows = Fact.objects.filter(movie_id__in=ids, role="genre").order_by("position")
    first: dict[int, int] = {}
    for movie_id, genre_id in rows.values_list("movie_id", "name_id"):
        first.setdefault(movie_id, genre_id)
    return first


def most_rated(limit: int = 3000) -> list[int]:
    """The films most people rated (Catalogue.votes; its popularity when it
    declares no votes, pk order when neither)."""
    spec = catalogue()
    order = spec.votes or spec.popularity
    by = [F(order).desc(nulls_last=True), "pk"] if order else ["pk"]
    return list(
        movie_model().objects.order_by(*by).values_list("pk", flat=True)[:limit]
    )


def _load(rows: dict[str, list[Event]], prefix: str) -> int:
    objs = [
        Interaction(
            external_id=f"{prefix}:{e.user}",
            movie_id=e.movie_id,
            kind=Interaction.Kind.RATED,
            rating=e.rating,
            created_at=datetime.fromtimestamp(e.timestamp, UTC),
        )
        for es in rows.values()
        for e in es
    ]
    Interaction.objects.bulk_create(objs, batch_size=5000)
    return len(objs)


def _wipe():
    CoLike.objects.all().delete()
    LikeCount.objects.all().delete()
    Interaction.objects.all().delete()


def _nearest(film: int, semantic_ranked) -> list[int]:
    movies = movie_model().objects
    vector = movies.get(pk=film).embedding
    if vector is None:
        return []
    return semantic_ranked(movies.exclude(pk=film), vector, K).ids


def _product_similar(film: int) -> list[int]:
    movies = movie_model().objects
    return [m.pk for m in movies.similar_to(movies.get(pk=film), limit=K)]


def _ndcg(truth, rank) -> float:
    return float(np.mean([metrics.ndcg(rank(f), rel, K) for f, rel in truth.items()]))


def fit_examples(films: list[int], truth: dict[int, set[int]]) -> tuple[list, list]:
    """Feature rows of each film's candidates, and whether each is in the truth."""
    xs, ys, movies = [], [], movie_model().objects
    for film in films:
        if film not in truth:
            continue
        movie = movies.get(pk=film)
        ids, _ = candidates(movies.all(), movie)
        xs += feature_rows(movie, ids)
        ys += [pk in truth[film] for pk in ids]
    return xs, ys


def fit_weights(xs: list, ys: list) -> tuple[float, ...]:
    """Logistic regression of "in the truth" on the features; the weights
    returned are on the raw feature scale."""
    from sklearn.linear_model import LogisticRegression

    x = np.array(xs)
    std = x.std(axis=0)
    varies = std > 1e-9  # a constant column (no likers at all) ranks nothing
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x[:, varies] / std[varies], ys)
    w = np.zeros(x.shape[1])
    w[varies] = model.coef_[0] / std[varies]
    return tuple(round(float(v), 4) for v in w)


def evaluate(
    *,
    ratings,
    links,
    seed: int = 42,
    held_out: float = 0.25,
    k: int = 1,
    films: int = 150,
    fit: bool = False,
    log=print,
) -> Report:
    """Similar and personal quality on held-out users, with baselines."""
    from moviesearch.search.ranking import semantic_ranked
    from moviesearch.search.ranking import similar_ranked as landed_similar

    report, movies = Report(), movie_model().objects
    rows = by_user(events_read(ratings, links))
    train, held = users_split(list(rows), seed=seed, held_out=held_out)
    train_rows = {u: rows[u] for u in sorted(train)}
    held_rows = {u: rows[u] for u in sorted(held)}
    train_likes, held_likes = Likes(train_rows), Likes(held_rows)
    eval_films = held_likes.popular()[:films]
    truth = neighbours_truth(held_likes, eval_films)
    report.counts = {
        "training users": len(train),
        "held-out users": len(held),
        "similar films": len(truth),
    }
    popular = train_likes.popular()
    genre_of = first_genres(set(train_likes.films) | set(truth))
    by_votes = most_rated()
    genre_of.update(first_genres(by_votes))
    fit_films = popular[:200]

    with transaction.atomic():
        _wipe()
        # A. No interactions: content only.
        if fit:
            log("fitting the content blend on the training users' co-likes")
            weights.CONTENT = fit_weights(
                *fit_examples(fit_films, neighbours_truth(train_likes, fit_films))
            )
            report.fitted["CONTENT"] = weights.CONTENT
        log("similar, no interactions")
        s = report.similar
        s["landed similar (vector + shared facts)"] = _ndcg(
            truth,
            lambda f: landed_similar(movies.exclude(pk=f), movies.get(pk=f), K).ids[:K],
        )
        s["vector neighbours alone"] = _ndcg(
            truth, lambda f: _nearest(f, semantic_ranked)
        )
        s["TMDB most votes, same first genre"] = _ndcg(
            truth,
            lambda f: [
                m for m in by_votes if m != f and genre_of.get(m) == genre_of.get(f)
            ][:K],
        )
        s["**product, no interactions (content alone)**"] = _ndcg(
            truth, _product_similar
        )

        # B. The training users' interactions loaded.
        if fit:
            # Folds of the training users: co-likes from three quarters, the truth
            # from the fourth, so co-likes are about as noisy as in the evaluation.
            log("fitting the co-like blend (4 folds of the training users)")
            xs, ys, order = [], [], sorted(train)
            random.Random(seed + 1).shuffle(order)
            for fold in range(4):
                labels = set(order[fold::4])
                _load({u: rows[u] for u in order if u not in labels}, "train")
                colikes_rebuild()
                truth_fold = neighbours_truth(
                    Likes({u: rows[u] for u in sorted(labels)}), fit_films
                )
                x, y = fit_examples(fit_films, truth_fold)
                xs, ys = xs + x, ys + y
                _wipe()
            weights.BLEND = fit_weights(xs, ys)
            report.fitted["BLEND"] = weights.BLEND
        log("loading the training users' ratings")
        report.counts["ratings loaded"] = _load(train_rows, "train")
        report.counts["co-liked pairs"] = colikes_rebuild()
        log("similar, training interactions loaded")
        s["most-liked overall"] = _ndcg(
            truth, lambda f: [m for m in popular if m != f][:K]
        )
        s["most-liked, same first genre"] = _ndcg(
            truth,
            lambda f: [
                m for m in popular if m != f and genre_of.get(m) == genre_of.get(f)
            ][:K],
        )
        s["item-kNN alone (cosine over likers)"] = _ndcg(
            truth,
            lambda f: train_likes.top(train_likes.cosine_to(f), {f}, K),
        )
        s["**product, interactions loaded**"] = _ndcg(truth, _product_similar)

        log("recommended for you, held-out users")
        splits = [held_out_split(es, k=k) for es in held_rows.values()]
        splits = [x for x in splits if x is not None]
        report.counts["held-out users scored"] = len(splits)
        _load({x.user: x.history for x in splits}, "heldout")
        systems = {
            "popularity": lambda x, seen: [m for m in popular if m not in seen][:KR],
            "popular in recent genres": lambda x, seen: _recent_genres(
                x, seen, popular, genre_of
            ),
            "item-kNN": lambda x, seen: train_likes.top(
                train_likes.knn([e.movie_id for e in x.history if e.rating >= LIKE]),
                seen,
                KR,
            ),
            "**product**": lambda x, seen: [
                r.movie_id
                for r in recommended(
                    visitor=Visitor(external_id=f"heldout:{x.user}"), limit=KR
                )
            ],
        }
        for name, system in systems.items():
            scores = []
            for x in splits:
                seen = {e.movie_id for e in x.history}
                ranked = system(x, seen)
                assert not seen.intersection(ranked), name
                scores.append(
                    (
                        metrics.hit_rate(ranked, x.targets, K),
                        metrics.ndcg(ranked, x.targets, K),
                        metrics.recall(ranked, x.targets, KR),
                    )
                )
            report.personal[name] = tuple(float(v) for v in np.mean(scores, axis=0))
        transaction.set_rollback(True)
    return report


def _recent_genres(x, seen, popular, genre_of) -> list[int]:
    recent = [e.movie_id for e in x.history if e.rating >= LIKE][-5:]
    top = [g for g, _ in Counter(genre_of.get(m) for m in recent).most_common(2)]
    return [m for m in popular if m not in seen and genre_of.get(m) in top][:KR]
