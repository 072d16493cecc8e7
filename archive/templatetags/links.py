"""Addresses taken from a platform become links only when they are web addresses; codes become words."""

from urllib.parse import urlsplit

from django import template

from archive.selectors import removal_ground_label

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


@register.filter
def removal_ground(code) -> str:
    """The legal ground of a removal in words ("Olaga hot"), never its code."""
    return removal_ground_label(str(code or ""))
