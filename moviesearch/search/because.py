"""Short reasons why a movie is similar to another, computed from their facts."""

from moviesearch.search.display import shown


def because(movie, other) -> str:
    """One line: same director, co-liked, shared cast, studio or genres, or "similar
    story"."""
    mine, theirs = shown(movie), shown(other)
    same = [d for d in theirs.directors if d in set(mine.directors)]
    if same:
        return f"Also directed by {', '.join(same[:2])}"
    if getattr(other, "co_liked", False):  # set by EmbeddedMovieQuerySet.similar_to
        return f"Liked by people who liked {mine.title}"
    shared = [c for c in theirs.cast if c in set(mine.cast)]
    if shared:
        return f"Also starring {', '.join(shared[:2])}"
    studios = [s for s in theirs.studios if s in set(mine.studios)]
    if studios:
        return f"Also from {studios[0]}"
    common = [g for g in theirs.genres if g in set(mine.genres)]
    if len(common) >= 2:
        return f"Also {' and '.join(common[:2]).lower()}"
    if common:
        return f"Similar story, also {common[0].lower()}"
    return "Similar story"
