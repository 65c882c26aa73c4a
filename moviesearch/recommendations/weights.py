"""Learned weights of the similar-movies blend, one per features.NAMES column.

Derived by `manage.py evaluate_recommendations ../shared/data/movielens --fit`
(logistic regression on the training users' co-likes, seed 42; printed in this
form and pasted here); raw feature scale, so a score is a plain dot product."""

# No interactions loaded (a new catalogue): content signals only.
CONTENT = (
    2.5932, 1.4931, 0.5462, 1.6425, -0.1396, -0.2697, 1.4037, 1.2273, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
)  # fmt: skip
# With co-likes (the co-like columns weigh most; films few people liked sink).
BLEND = (
    0.6735, 0.4038, -0.036, 0.6897, 0.0141, 0.1036, 0.3424, 0.1337, 9.052, -0.6699,
    -0.3156, -0.6233, -0.9418, -1.4654, -1.8395,
)  # fmt: skip
