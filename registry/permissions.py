"""The diary's permission policy: who may register, dispose of and read what.

Registrars keep the diary of their own department; the information unit keeps every
department's. A head of department reads the year report of their own department.
Views ask these functions and never re-implement them.
"""

from django.db.models import QuerySet

from accounts.models import Department
from accounts.roles import Role, has_role
from archive.models import Record


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def diary_departments(user) -> QuerySet[Department]:
    """The departments whose diary, queue and disposal the person keeps."""
    if not _active(user):
        return Department.objects.none()
    if has_role(user, Role.INFORMATION_UNIT):
        return Department.objects.all()
    if has_role(user, Role.REGISTRAR) and user.department_id:
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


def can_keep_diary(user, department: Department) -> bool:
    """Register threads, see cases and the samlingsakt, propose and approve disposal."""
    return diary_departments(user).filter(pk=department.pk).exists()


def can_keep_record(user, record: Record) -> bool:
    """Legal hold and classification of one record."""
    return can_keep_diary(user, record.department)


def can_edit_document_classes(user) -> bool:
    return _active(user) and has_role(user, Role.REGISTRAR, Role.INFORMATION_UNIT)


def report_departments(user) -> QuerySet[Department]:
    """Year reports (N16): the diary keepers', and the head's own department."""
    if not _active(user):
        return Department.objects.none()
    keeps = diary_departments(user)
    if has_role(user, Role.HEAD_OF_DEPARTMENT) and user.department_id:
        return keeps | Department.objects.filter(pk=user.department_id)
    return keeps


def can_read_year_report(user, department: Department) -> bool:
    return report_departments(user).filter(pk=department.pk).exists()
