"""Short reasons why a movie is similar to another, computed from their facts."""


def because(movie, other) -> str:
    """One line: same director, co-liked, shared cast or genres, or "similar story"."""
    directors = set(movie.directors())
    same = [d for d in other.directors() if d in directors]
    if same:
        return f"Also directed by {', '.join(same[:2])}"
    if getattr(other, "co_liked", False):  # set by MovieQuerySet.similar_to
        return f"Liked by people who liked {movie.title}"
    cast = set(movie.cast())
    shared = [c for c in other.cast() if c in cast]
    if shared:
        return f"Also starring {', '.join(shared[:2])}"
    genres = {g.name for g in movie.genres.all()}
    common = [g.name for g in other.genres.all() if g.name in genres]
    if len(common) >= 2:
        return f"Also {' and '.join(common[:2]).lower()}"
    if common:
        return f"Similar story, also {common[0].lower()}"
    return "Similar story"
