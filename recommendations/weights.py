"""Learned weights of the similar-movies blend, one per features.NAMES column.

Derived by `manage.py evaluate_recommendations ../shared/data/movielens --fit`
(logistic regression on the training users' co-likes, seed 42; printed in this
form and pasted here); raw feature scale, so a score is a plain dot product."""

# No interactions loaded (a new catalogue): content signals only.
CONTENT = (
    2.5932, 1.4931, 0.5462, 1.6425, -0.1396, -0.2697, 1.4037, 1.2273, 0.0, 0.0, 0.0,
)  # fmt: skip
# With co-likes (the co-like columns weigh most).
BLEND = (
    0.3206, 0.4744, -0.0698, 0.6531, 0.0445, 0.0649, 0.3185, 0.1212, 8.9428, -0.5948,
    2.0155,
)  # fmt: skip
