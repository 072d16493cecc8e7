"""Swedish full-text search over the records."""

import html

import nh3
from django.contrib.postgres.search import SearchVector
from django.db.models import Value

# The text-search configuration the records are indexed with.
SEARCH_CONFIG = "swedish"


def searchable_text(text: str, text_format: str) -> str:
    """The words of a record: HTML from a platform reduced to its text."""
    if text_format == "html":
        return html.unescape(nh3.clean(text.replace("<br", " <br").replace("</p>", " </p>"), tags=set()))
    return text


def record_search_vector(*, text: str, text_format: str, author_name: str, author_handle: str):
    return SearchVector(
        Value(searchable_text(text, text_format)), weight="A", config=SEARCH_CONFIG
    ) + SearchVector(Value(f"{author_name} {author_handle}"), weight="B", config=SEARCH_CONFIG)
