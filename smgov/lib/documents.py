"""How documents (PDF, CSV, mail) write times and yes/no: in words, in Swedish, in Stockholm time.

Pages and documents use the same display labels; a document never shows a raw code or an ISO timestamp.
"""

from datetime import date, datetime

from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext as _


def document_time(value: datetime | None) -> str:
    """``1 december 2026 kl. 12.34`` (in the active language's format), or "" for no time."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), formats.get_format("DATETIME_FORMAT"))


def document_date(value: date | None) -> str:
    if value is None:
        return ""
    return dateformat.format(value, formats.get_format("DATE_FORMAT"))


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
