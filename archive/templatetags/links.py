"""Addresses taken from a platform become links only when they are web addresses."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def web_url(value) -> str:
    """``value`` if it is an http(s) address, else "": a ``javascript:``, ``data:`` or other address from
    a platform is never put in an href (the page shows it as text instead)."""
    value = str(value or "").strip()
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return ""
    return value if scheme in ("http", "https") else ""
