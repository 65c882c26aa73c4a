from django import template
from django.conf.locale import LANG_INFO

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """'ja' -> 'Japanese'; unknown codes are shown as they are."""
    return LANG_INFO.get(code, {}).get("name", code)


@register.filter
def matching(movies, match: str) -> list:
    """The results whose `match` is "strong" or "loose" (strong when unset)."""
    return [m for m in movies if getattr(m, "match", "strong") == match]
