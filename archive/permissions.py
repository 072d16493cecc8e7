"""The archive's permission policy: who may search, read and take out which records.

The scopes come from the role table (`accounts.roles.ACCESS`): the web communicator and the
registrar for the whole municipality see every department's records; registrars, heads of
department and communicators see their own department's. Disclosures are made by registrars
and the web communicator. Views, selectors and services ask these functions and never
re-implement them.
"""

from django.db.models import QuerySet

from accounts.roles import Area, Scope, department_scope, scope

from .models import DisclosureExport, Record


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def visible_department_ids(user) -> list[int] | None:
    """The departments whose records the person sees; None means all of them."""
    if not _active(user):
        return []
    return department_scope(user, Area.ARCHIVE)


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


def can_export(user) -> bool:
    return _active(user) and scope(user, Area.EXPORTS, change=True) != Scope.NONE and can_search(user)


def can_download_source(user, record: Record) -> bool:
    """The bytes of a received response: for those who disclose records, within their scope."""
    return can_export(user) and can_view_record(user, record)


def visible_exports(user) -> QuerySet[DisclosureExport]:
    """A disclosure is handled by the person who made it; a municipality-wide scope sees all of them."""
    if not can_export(user):
        return DisclosureExport.objects.none()
    if department_scope(user, Area.EXPORTS) is None:
        return DisclosureExport.objects.all()
    return DisclosureExport.objects.filter(created_by=user)


def can_handle_export(user, export: DisclosureExport) -> bool:
    return visible_exports(user).filter(pk=export.pk).exists()
