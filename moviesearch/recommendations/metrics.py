"""Ranking metrics with binary relevance."""

import math


def hit_rate(ranked: list[int], relevant: set[int], k: int) -> float:
    """1 when any relevant id is in the top k."""
    return 1.0 if relevant.intersection(ranked[:k]) else 0.0


def ndcg(ranked: list[int], relevant: set[int], k: int) -> float:
    """nDCG@k; the ideal ranking puts every relevant id first."""
    if not relevant:
        return 0.0
    dcg = sum(1 / math.log2(i + 2) for i, pk in enumerate(ranked[:k]) if pk in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def recall(ranked: list[int], relevant: set[int], k: int) -> float:
    """The share of the relevant ids in the top k."""
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0
