"""Ranking metrics with sentence-transformers' InformationRetrievalEvaluator
conventions (its own compute_metrics does the arithmetic): binary relevance,
nDCG@k = DCG / ideal DCG over all relevant films, MRR@k = 1 / rank of the first
relevant film (0 past k), Recall@k = relevant films in the top k / all relevant,
Accuracy@1 = share of queries whose first result is relevant."""

METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100", "accuracy@1")


def retrieval_metrics(runs) -> dict[str, float]:
    """Mean metrics over `runs`: (ranked movie ids, relevant movie ids) per query.
    Queries with no relevant film are left out, as the evaluator does."""
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
    )

    runs = [(list(ranked), set(relevant)) for ranked, relevant in runs if relevant]
    if not runs:
        return dict.fromkeys(METRICS, 0.0)
    qids = [str(i) for i in range(len(runs))]
    evaluator = InformationRetrievalEvaluator(
        queries=dict.fromkeys(qids, ""),
        corpus={},
        relevant_docs={
            qid: relevant for qid, (_, relevant) in zip(qids, runs, strict=True)
        },
        mrr_at_k=[10],
        ndcg_at_k=[10],
        accuracy_at_k=[1],
        precision_recall_at_k=[10, 100],
        map_at_k=[100],
        write_csv=False,
    )
    # The evaluator sorts hits by (-score, id): a decreasing score keeps our order.
    results = [
        [{"corpus_id": pk, "score": float(-rank)} for rank, pk in enumerate(ranked)]
        for ranked, _ in runs
    ]
    scores = evaluator.compute_metrics(results)
    return {
        "ndcg@10": float(scores["ndcg@k"][10]),
        "mrr@10": float(scores["mrr@k"][10]),
        "recall@10": float(scores["recall@k"][10]),
        "recall@100": float(scores["recall@k"][100]),
        "accuracy@1": float(scores["accuracy@k"][1]),
    }
