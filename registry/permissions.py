"""The diary's permission policy: who may register, dispose of and read what.

The scopes come from the role table (`accounts.roles.ACCESS`): a registrar keeps the diary
and the disposal of their own department, the registrar for the whole municipality keeps every
department's and the document management plan (the document classes, which are the
municipality's). A head of department reads the year report of their own department.
Views and services ask these functions and never re-implement them.
"""

from django.db.models import QuerySet

from accounts.models import Department
from accounts.roles import Area, department_scope, in_scope
from archive.models import Record


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _departments(user, area: str, *, change: bool = False) -> QuerySet[Department]:
    if not _active(user):
        return Department.objects.none()
    departments = department_scope(user, area, change=change)
    if departments is None:
        return Department.objects.all()
    return Department.objects.filter(pk__in=departments)


def diary_departments(user) -> QuerySet[Department]:
    """The departments whose diary and queue the person keeps."""
    return _departments(user, Area.DIARY, change=True)


def disposal_departments(user) -> QuerySet[Department]:
    """The departments whose disposal the person proposes and approves."""
    return _departments(user, Area.DISPOSAL, change=True)


def can_keep_diary(user, department: Department) -> bool:
    """Register threads, see cases and the samlingsakt."""
    return _active(user) and in_scope(user, Area.DIARY, department.pk, change=True)


def can_dispose(user, department: Department) -> bool:
    """Propose and approve disposal of the department's records."""
    return _active(user) and in_scope(user, Area.DISPOSAL, department.pk, change=True)


def can_keep_record(user, record: Record) -> bool:
    """Legal hold and classification of one record."""
    return can_dispose(user, record.department)


def can_view_document_classes(user) -> bool:
    return _active(user) and department_scope(user, Area.DOCUMENT_CLASSES) != []


def can_edit_document_classes(user) -> bool:
    """The document classes hold for every department: only a municipality-wide scope changes them."""
    return _active(user) and department_scope(user, Area.DOCUMENT_CLASSES, change=True) is None


def report_departments(user) -> QuerySet[Department]:
    """Year reports (N16)."""
    return _departments(user, Area.YEAR_REPORT)


def can_read_year_report(user, department: Department) -> bool:
    return _active(user) and in_scope(user, Area.YEAR_REPORT, department.pk)
