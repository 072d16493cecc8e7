"""The archive's permission policy: who may search, read and take out which records.

The web communicator and the information unit see every department's records; registrars,
heads of department and communicators see their own department's. Views and selectors ask
these functions and never re-implement them.
"""

from django.db.models import QuerySet

from accounts.roles import Role, has_role

from .models import DisclosureExport, Record

SEES_ALL = (Role.WEB_COMMUNICATOR, Role.INFORMATION_UNIT)
SEES_OWN_DEPARTMENT = (Role.REGISTRAR, Role.HEAD_OF_DEPARTMENT, Role.COMMUNICATOR)
# Who may take records out for a request for public records, and download received responses.
DISCLOSES = (Role.REGISTRAR, Role.WEB_COMMUNICATOR, Role.INFORMATION_UNIT)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def visible_department_ids(user) -> list[int] | None:
    """The departments whose records the person sees; None means all of them."""
    if not _active(user):
        return []
    if has_role(user, *SEES_ALL):
        return None
    if has_role(user, *SEES_OWN_DEPARTMENT) and user.department_id:
        return [user.department_id]
    return []


def visible_records(user) -> QuerySet[Record]:
    departments = visible_department_ids(user)
    if departments is None:
        return Record.objects.all()
    return Record.objects.filter(department_id__in=departments)


def can_search(user) -> bool:
    return visible_department_ids(user) != []


def can_view_record(user, record: Record) -> bool:
    departments = visible_department_ids(user)
    return departments is None or record.department_id in departments


def can_download_source(user, record: Record) -> bool:
    """The bytes of a received response: for those who disclose records, within their scope."""
    return _active(user) and has_role(user, *DISCLOSES) and can_view_record(user, record)


def can_export(user) -> bool:
    return _active(user) and has_role(user, *DISCLOSES) and can_search(user)


def visible_exports(user) -> QuerySet[DisclosureExport]:
    """A disclosure is handled by the person who made it; the central units see all of them."""
    if not can_export(user):
        return DisclosureExport.objects.none()
    if has_role(user, *SEES_ALL):
        return DisclosureExport.objects.all()
    return DisclosureExport.objects.filter(created_by=user)


def can_handle_export(user, export: DisclosureExport) -> bool:
    return visible_exports(user).filter(pk=export.pk).exists()
