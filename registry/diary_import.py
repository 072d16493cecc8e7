"""Diary numbers given outside smgov: a CSV from the case-management system that pairs each
diary number with a thread (the thread's record address in smgov, its address on the platform, or
its platform id), read into a preview with every line's problems, and imported when the registrar
confirms.

Reading and previewing write nothing. The import runs in one transaction through the diary's own
service (`diary.diary_case_register_numbered`): every good line or none.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts.models import Department
from archive.models import Record

from . import diary
from .models import DiaryCase, DiaryEvent

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5000
# "BUN 2025/17", also as "BUN/2025:17", "BUN-2025-17" or "bun 2025.17".
NUMBER = re.compile(r"^\s*([A-ZÅÄÖ]{1,10})[\s/-]*(\d{4})\s*[/:.-]\s*(\d{1,9})\s*$", re.IGNORECASE)
NUMBER_HEADINGS = ("diarienummer", "diarienr", "dnr", "diary number", "ärendenummer")
THREAD_HEADINGS = ("tråd", "trad", "thread", "länk", "url", "adress", "id", "post")
TITLE_HEADINGS = ("ärendemening", "rubrik", "titel", "title", "mening")


class ImportFileError(Exception):
    """A file that cannot be read at all; the message is shown to the registrar."""


@dataclass
class ImportLine:
    line: int
    number_text: str
    thread_text: str
    title: str = ""
    series_code: str = ""
    year: int = 0
    number: int = 0
    record: Record | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def diary_number(self) -> str:
        return f"{self.series_code} {self.year}/{self.number}" if self.series_code else self.number_text


def read_csv(data: bytes) -> list[list[str]]:
    """The rows of the file: UTF-8 (with or without byte order mark) or Windows-1252, separated
    by semicolons, commas or tabs."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB."))
    text = decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    sample = text[:4096]
    delimiter = max((";", ",", "\t"), key=sample.count)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if len(rows) > MAX_LINES + 1:
        raise ImportFileError(_("The file has more than %(count)s lines.") % {"count": MAX_LINES})
    return rows


def _columns(first: list[str]) -> tuple[dict[str, int], bool]:
    """Which column holds what, from the headings when the first row has them."""
    headings = [cell.strip().lower() for cell in first]
    if first and NUMBER.match(first[0] or ""):
        return {"number": 0, "thread": 1, "title": 2}, False

    def find(names):
        return next((i for i, h in enumerate(headings) if any(name in h for name in names)), None)

    number, title = find(NUMBER_HEADINGS), find(TITLE_HEADINGS)
    thread = next(
        (
            i
            for i, h in enumerate(headings)
            if i not in (number, title) and any(name in h for name in THREAD_HEADINGS)
        ),
        None,
    )
    if number is None or thread is None:
        raise ImportFileError(
            _(
                "The file needs a column “diarienummer” and a column “tråd” (the thread's address or platform id)."
            )
        )
    return {"number": number, "thread": thread, "title": title}, True


def _find_thread(value: str, records: QuerySet[Record]) -> tuple[Record | None, str]:
    """The record a value names, among the records the registrar may register; or why not."""
    value = value.strip()
    if not value:
        return None, _("no thread is given")
    if value.startswith(("http://", "https://", "/")):
        path = urlsplit(value).path
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match is not None and match.view_name == "archive:record":
            return records.filter(pk=match.kwargs["pk"]).first(), ""
        found = list(records.filter(permalink=value)[:2])
        return (found[0] if len(found) == 1 else None), ""
    platform, _sep, platform_id = value.partition(":")
    if platform_id and records.filter(platform=platform.lower()).exists():
        found = list(records.filter(platform=platform.lower(), platform_id=platform_id)[:2])
    else:
        found = list(records.filter(platform_id=value)[:2])
    if len(found) > 1:
        return None, _("the id %(id)s is found on several platforms; give platform:id or the address") % {
            "id": value
        }
    return (found[0] if found else None), ""


def _cell(row: list[str], columns: dict[str, int | None], name: str) -> str:
    position = columns.get(name)
    return row[position].strip() if position is not None and position < len(row) else ""


def decode(data: bytes) -> str:
    """UTF-8 (with or without byte order mark), else Windows-1252 as spreadsheet programs save it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def import_preview(*, data: bytes, departments: QuerySet[Department]) -> list[ImportLine]:
    """Every line of the file with what it would do or why it cannot. Reads only."""
    rows = read_csv(data)
    columns, has_headings = _columns(rows[0])
    records = Record.objects.filter(department__in=departments).select_related("department", "thread")
    lines: list[ImportLine] = []
    numbers_seen: dict[tuple, int] = {}
    threads_seen: dict[int, int] = {}
    for index, row in enumerate(rows[1:] if has_headings else rows, start=2 if has_headings else 1):
        if not any(cell.strip() for cell in row):
            continue

        line = ImportLine(
            line=index,
            number_text=_cell(row, columns, "number"),
            thread_text=_cell(row, columns, "thread"),
            title=_cell(row, columns, "title"),
        )
        lines.append(line)
        match = NUMBER.match(line.number_text)
        if match is None:
            line.errors.append(
                _("“%(value)s” is not a diary number such as BUN 2025/17.") % {"value": line.number_text}
            )
        else:
            line.series_code, line.year, line.number = match[1].upper(), int(match[2]), int(match[3])
            if line.number < 1 or not 1900 <= line.year <= 2999:
                line.errors.append(
                    _("“%(value)s” is not a diary number such as BUN 2025/17.") % {"value": line.number_text}
                )
        record, problem = _find_thread(line.thread_text, records)
        if record is None:
            line.errors.append(
                _("The thread %(value)s is not in the archive of a department whose diary you keep.")
                % {"value": line.thread_text or "–"}
                + (f" ({problem})" if problem else "")
            )
        else:
            line.record = diary.thread_root(record)
        if line.errors:
            continue
        root = line.record
        if line.series_code != root.department.series_code:
            line.errors.append(
                _("The diary number's series is not the thread's department's (%(series)s).")
                % {"series": root.department.series_code}
            )
        key = (line.series_code, line.year, line.number)
        taken = DiaryCase.objects.filter(series_code=key[0], year=key[1], number=key[2]).first()
        if taken is not None:
            line.errors.append(
                _("The diary number %(number)s is already used (%(title)s).")
                % {"number": taken.diary_number, "title": taken.title}
            )
        elif key in numbers_seen:
            line.errors.append(
                _("The diary number %(number)s is already given on line %(line)s.")
                % {"number": line.diary_number, "line": numbers_seen[key]}
            )
        registered = diary.thread_registered_case(root)
        if registered is not None:
            line.errors.append(
                _("The thread is already registered in %(number)s.") % {"number": registered.diary_number}
            )
        elif root.pk in threads_seen:
            line.errors.append(
                _("The thread is already given on line %(line)s.") % {"line": threads_seen[root.pk]}
            )
        if line.ok:  # a line left out reserves neither its number nor its thread
            numbers_seen[key] = line.line
            threads_seen[root.pk] = line.line
    if not lines:
        raise ImportFileError(_("The file has no lines to import."))
    return lines


@transaction.atomic
def diary_numbers_import(*, actor, data: bytes, departments: QuerySet[Department]) -> list[DiaryCase]:
    """Link each thread of the file's good lines to its diary number, all in one transaction;
    lines with problems are left out (the preview showed them)."""
    lines = import_preview(data=data, departments=departments)
    cases = []
    for line in lines:
        if not line.ok:
            continue
        cases.append(
            diary.diary_case_register_numbered(
                actor=actor,
                record=line.record,
                series_code=line.series_code,
                year=line.year,
                number=line.number,
                title=line.title,
            )
        )
    for department in {case.department for case in cases}:
        numbers = [case.diary_number for case in cases if case.department_id == department.pk]
        DiaryEvent.objects.create(
            action=DiaryEvent.Action.NUMBERS_IMPORTED,
            actor=actor,
            department=department,
            detail=f"{len(numbers)}: {', '.join(numbers)}"[:5000],
        )
    return cases
