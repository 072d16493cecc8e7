"""The reports permission policy: who sees whose figures.

The web communicator and the information unit see the whole municipality; a head of department
sees their own department; nobody else sees statistics. The yearly report for central management
(N19) is taken out by the web communicator (all departments) and heads (their own department).
"""

from django.db.models import Q, QuerySet

from accounts.models import Department, ServiceAccount
from accounts.roles import Area, Scope, scope


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _sees_all(user) -> bool:
    """The statistics scope of the role table (`accounts.roles.ACCESS`)."""
    return scope(user, Area.STATISTICS) == Scope.MUNICIPALITY


def _own_departments(user) -> QuerySet[Department]:
    """The departments a head of department answers for: the one they head and their own."""
    if scope(user, Area.YEARLY_REPORT) != Scope.DEPARTMENT:
        return Department.objects.none()
    return Department.objects.filter(Q(head=user) | Q(pk=user.department_id))


def statistics_departments(user) -> QuerySet[Department]:
    """The departments whose figures the person may see."""
    if not _active(user):
        return Department.objects.none()
    if _sees_all(user):
        return Department.objects.all()
    return _own_departments(user)


def sees_whole_municipality(user) -> bool:
    return _active(user) and _sees_all(user)


def can_view_statistics(user) -> bool:
    return statistics_departments(user).exists()


def statistics_accounts(user) -> QuerySet[ServiceAccount]:
    return ServiceAccount.objects.filter(department__in=statistics_departments(user))


def report_departments(user) -> QuerySet[Department]:
    """The departments whose yearly report the person may take out (N19)."""
    if not _active(user):
        return Department.objects.none()
    if scope(user, Area.YEARLY_REPORT) == Scope.MUNICIPALITY:
        return Department.objects.all()
    return _own_departments(user)


def can_take_out_report(user, department: Department | None = None) -> bool:
    """`department=None` is the whole municipality's report."""
    if department is None:
        return _active(user) and scope(user, Area.YEARLY_REPORT) == Scope.MUNICIPALITY
    return report_departments(user).filter(pk=department.pk).exists()


def can_take_out_any_report(user) -> bool:
    return report_departments(user).exists()
