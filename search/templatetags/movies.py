from django import template
from django.conf.locale import LANG_INFO

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """'ja' -> 'Japanese'; unknown codes are shown as they are."""
    return LANG_INFO.get(code, {}).get("name", code)
