"""Template filters of the search pages (registered in the `moviesearch` library)."""

from django.conf.locale import LANG_INFO


def language_name(code: str) -> str:
    """'ja' -> 'Japanese'; unknown codes are shown as they are."""
    return LANG_INFO.get(code, {}).get("name", code)


def matching(movies, match: str) -> list:
    """The results whose `match` is "strong" or "loose" (strong when unset)."""
    return [m for m in movies if getattr(m, "match", "strong") == match]
