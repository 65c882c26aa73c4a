"""The evaluation's split: users by seed; a held-out user's last likes by time."""

import random
from collections import defaultdict
from dataclasses import dataclass

LIKE = 4.0


@dataclass(frozen=True)
class Event:
    user: str
    movie_id: int
    rating: float
    timestamp: int


@dataclass
class HeldOut:
    user: str
    history: list[Event]  # what the recommender may see, oldest first
    targets: set[int]  # the last k likes, to be found


def by_user(events) -> dict[str, list[Event]]:
    """Each user's events in time order (ties by film id)."""
    users: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        users[event.user].append(event)
    for rows in users.values():
        rows.sort(key=lambda e: (e.timestamp, e.movie_id))
    return dict(users)


def users_split(users: list[str], *, seed: int, held_out: float) -> tuple[set, set]:
    """(training users, held-out users), shuffled by seed."""
    order = sorted(users)
    random.Random(seed).shuffle(order)
    cut = round(len(order) * held_out)
    return set(order[cut:]), set(order[:cut])


def held_out_split(rows: list[Event], *, k: int, like: float = LIKE) -> HeldOut | None:
    """History = everything before the first of the user's last k likes (never a
    held-out like); None when the user has no like left in the history."""
    likes = [i for i, e in enumerate(rows) if e.rating >= like]
    if len(likes) <= k:
        return None
    cut = likes[-k]
    targets = {rows[i].movie_id for i in likes[-k:]}
    history = [e for e in rows[:cut] if e.movie_id not in targets]
    return HeldOut(rows[0].user, history, targets)
