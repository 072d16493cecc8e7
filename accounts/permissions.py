"""The accounts permission policy: who may see and do what with which service account.

Views and services ask these functions and never re-implement the rules. Department
scoping comes from the person's department and role; the per-account grant to an
account's administrators is a django-guardian object permission, given and taken
by the administrator services.
"""

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import Department, ServiceAccount
from .roles import Area, Role, Scope, department_scope, has_role, in_scope, scope


def _sees_all_accounts(user) -> bool:
    return scope(user, Area.ACCOUNTS) == Scope.MUNICIPALITY


def visible_accounts(user) -> QuerySet[ServiceAccount]:
    if not user.is_authenticated or not user.is_active:
        return ServiceAccount.objects.none()
    if _sees_all_accounts(user):
        return ServiceAccount.objects.all()
    administered = get_objects_for_user(
        user, "accounts.change_serviceaccount", klass=ServiceAccount, with_superuser=False
    )
    return ServiceAccount.objects.filter(
        Q(department_id=user.department_id) | Q(pk__in=administered.values("pk"))
    )


def can_view_account(user, account: ServiceAccount) -> bool:
    return visible_accounts(user).filter(pk=account.pk).exists()


def can_request_for(user, department: Department) -> bool:
    """Communicators and heads start accounts for their own department (N2); the central units for any."""
    return bool(user.is_authenticated and user.is_active) and in_scope(
        user, Area.ACCOUNT_REQUESTS, department.pk, change=True
    )


def can_manage_account(user, account: ServiceAccount) -> bool:
    """Edit details, administrators, supervision: the department's communicators, the
    account's administrators and the information unit."""
    if not user.is_authenticated or not user.is_active:
        return False
    if in_scope(user, Area.ACCOUNTS, account.department_id, change=True):
        return True
    return user.has_perm("accounts.change_serviceaccount", account)


def can_decide_request(user, account: ServiceAccount) -> bool:
    """Only the head of the account's own department decides (N1, N10)."""
    return user.is_authenticated and user.is_active and account.department.head_id == user.pk


def can_manage_credentials(user, account: ServiceAccount) -> bool:
    """Credentials are held centrally (F1): the information unit and the account's administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if in_scope(user, Area.CREDENTIALS, account.department_id, change=True):
        return True
    return user.has_perm("accounts.manage_credentials", account)


def can_view_credential_log(user) -> bool:
    """Who read which credential and why (F1) is for the information unit, which holds them."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_role(user, Role.INFORMATION_UNIT)


def requestable_departments(user) -> QuerySet[Department]:
    """The departments a person may ask to start an account for (N2)."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    departments = department_scope(user, Area.ACCOUNT_REQUESTS, change=True)
    if departments is None:
        return Department.objects.all()
    return Department.objects.filter(pk__in=departments)


def can_request(user) -> bool:
    return requestable_departments(user).exists()


def can_see_decisions(user) -> bool:
    """The list of requests to decide is for heads of department (N1)."""
    return (
        user.is_authenticated
        and user.is_active
        and has_role(user, Role.HEAD_OF_DEPARTMENT)
        and Department.objects.filter(head=user).exists()
    )


def can_resubmit_request(user, account: ServiceAccount) -> bool:
    return can_manage_account(user, account)


def can_view_overview(user) -> bool:
    """N19: where the municipality is active, for the web communicator, heads and the information unit."""
    if not user.is_authenticated or not user.is_active:
        return False
    return scope(user, Area.OVERVIEW) != Scope.NONE


def can_lift_lockouts(user) -> bool:
    """The information unit sees who is locked out of signing in and may let them in again."""
    if not user.is_authenticated or not user.is_active:
        return False
    return scope(user, Area.LOCKOUTS) != Scope.NONE
