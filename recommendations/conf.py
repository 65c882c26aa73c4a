"""The app's settings, each read when used, with a default."""

from django.conf import settings

DEFAULTS = {
    # A rating at or above this counts as a like.
    "RECOMMENDATIONS_LIKE_RATING": 4.0,
    # Interaction writes per minute per client (0: no limit).
    "RECOMMENDATIONS_WRITE_RATE_LIMIT": 60,
    # Co-like neighbours kept per film, and the fewest shared likers kept.
    "RECOMMENDATIONS_NEIGHBOURS": 200,
    "RECOMMENDATIONS_MIN_TOGETHER": 2,
    # A visitor's most recent likes that count (older ones are dropped).
    "RECOMMENDATIONS_HISTORY": 50,
}


def get(name: str):
    """A setting of this app, or its default."""
    return getattr(settings, name, DEFAULTS[name])
