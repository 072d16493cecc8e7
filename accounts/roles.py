"""The roles of the municipality, as Django groups, and what each may see and change.

A role says what kind of work a person does; the department on the person says where.
The public is anonymous and has no group.

`ACCESS` is the one table of role scopes: for every role and every part of smgov, how far
the role sees and how far it changes (nothing, its own department, the whole municipality).
The apps' permission policies and the navigation read it; README shows the same table.
Finer rules (only the head of the account's department decides its request, an account's
administrators hold its login details) are applied by each policy within these scopes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNICATOR = "communicator", _("Communicator")
    WEB_COMMUNICATOR = "web_communicator", _("Web communicator")
    REGISTRAR = "registrar", _("Registrar")
    MUNICIPAL_REGISTRAR = "municipal_registrar", _("Registrar for the whole municipality")
    HEAD_OF_DEPARTMENT = "head_of_department", _("Head of department")
    INFORMATION_UNIT = "information_unit", _("Information unit")


class Scope(models.IntegerChoices):
    NONE = 0, _("nothing")
    # Accounts the person administers (a django-guardian grant), whatever their department.
    ADMINISTERED = 1, _("the accounts they administer")
    DEPARTMENT = 2, _("own department")
    MUNICIPALITY = 3, _("the whole municipality")


class Area(models.TextChoices):
    """The parts of smgov, each a set of pages under one permission."""

    ACCOUNTS = "accounts", _("Accounts")
    ACCOUNT_REQUESTS = "account_requests", _("Account requests")
    CREDENTIALS = "credentials", _("Login details")
    DECISIONS = "decisions", _("Decisions")
    OVERVIEW = "overview", _("Where we are active")
    PROBLEMS = "problems", _("Problems")
    INBOX = "inbox", _("Inbox")
    ARCHIVE = "archive", _("Archive")
    EXPORTS = "exports", _("Disclosures")
    DIARY = "diary", _("Diary")
    DISPOSAL = "disposal", _("Disposal")
    DOCUMENT_CLASSES = "document_classes", _("Document classes")
    YEAR_REPORT = "year_report", _("Diary year report")
    STATISTICS = "statistics", _("Statistics")
    YEARLY_REPORT = "yearly_report", _("Yearly report for central management")
    LOCKOUTS = "lockouts", _("Blocked logins")
    MONITORING = "monitoring", _("Monitoring")
    API_TOKENS = "api_tokens", _("API tokens")

    PUBLISHING = "publishing", _("Publishing")


N, A, D, M = Scope.NONE, Scope.ADMINISTERED, Scope.DEPARTMENT, Scope.MUNICIPALITY

# role -> area -> (sees, changes). An area left out is (nothing, nothing).
ACCESS: dict[str, dict[str, tuple[Scope, Scope]]] = {
    Role.COMMUNICATOR: {
        Area.ACCOUNTS: (D, D),
        Area.ACCOUNT_REQUESTS: (D, D),
        Area.CREDENTIALS: (A, A),
        Area.PROBLEMS: (D, D),
        Area.INBOX: (D, D),
        Area.MONITORING: (D, D),
        Area.PUBLISHING: (D, D),
        Area.ARCHIVE: (D, N),
    },
    Role.WEB_COMMUNICATOR: {
        Area.ACCOUNTS: (M, D),
        Area.ACCOUNT_REQUESTS: (M, M),
        Area.CREDENTIALS: (A, A),
        Area.OVERVIEW: (M, N),
        Area.PROBLEMS: (M, M),
        Area.INBOX: (M, M),
        Area.MONITORING: (M, M),
        Area.PUBLISHING: (M, M),
        Area.ARCHIVE: (M, N),
        Area.EXPORTS: (M, M),
        Area.STATISTICS: (M, N),
        Area.YEARLY_REPORT: (M, N),
    },
    Role.REGISTRAR: {
        Area.ACCOUNTS: (D, N),
        Area.CREDENTIALS: (A, A),
        Area.ARCHIVE: (D, N),
        Area.EXPORTS: (D, D),
        Area.DIARY: (D, D),
        Area.DISPOSAL: (D, D),
        Area.DOCUMENT_CLASSES: (M, N),
        Area.YEAR_REPORT: (D, N),
    },
    Role.MUNICIPAL_REGISTRAR: {
        Area.ACCOUNTS: (M, N),
        Area.CREDENTIALS: (A, A),
        Area.ARCHIVE: (M, N),
        Area.EXPORTS: (M, M),
        Area.DIARY: (M, M),
        Area.DISPOSAL: (M, M),
        Area.DOCUMENT_CLASSES: (M, M),
        Area.YEAR_REPORT: (M, N),
    },
    Role.HEAD_OF_DEPARTMENT: {
        Area.ACCOUNTS: (D, N),
        Area.ACCOUNT_REQUESTS: (D, D),
        Area.CREDENTIALS: (A, A),
        Area.DECISIONS: (D, D),
        Area.OVERVIEW: (M, N),
        Area.PROBLEMS: (D, N),
        Area.INBOX: (D, N),
        Area.MONITORING: (D, N),  # and answers when a hit is to be discussed with the manager
        Area.ARCHIVE: (D, N),
        Area.YEAR_REPORT: (D, N),
        Area.STATISTICS: (D, N),
        Area.YEARLY_REPORT: (D, N),
    },
    Role.INFORMATION_UNIT: {
        Area.ACCOUNTS: (M, M),
        Area.ACCOUNT_REQUESTS: (M, M),
        Area.CREDENTIALS: (M, M),
        Area.OVERVIEW: (M, N),
        Area.PROBLEMS: (M, M),
        Area.STATISTICS: (M, N),
        Area.LOCKOUTS: (M, M),
        Area.MONITORING: (M, M),
        Area.API_TOKENS: (M, M),
    },
}


def roles_of(user) -> frozenset[str]:
    """The role codes of a user, read once per request and kept on the user object."""
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_smgov_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & set(Role.values)
        user._smgov_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def role_scope(role: str, area: str, *, change: bool = False) -> Scope:
    return ACCESS.get(role, {}).get(area, (N, N))[1 if change else 0]


def scope(user, area: str, *, change: bool = False) -> Scope:
    """How far the person sees (or changes) the area: the widest of their roles."""
    return max((role_scope(role, area, change=change) for role in roles_of(user)), default=N)


def department_scope(user, area: str, *, change: bool = False) -> list[int] | None:
    """The departments of the area the person sees (changes); None means every department."""
    reach = scope(user, area, change=change)
    if reach == M:
        return None
    if reach == D and user.department_id:
        return [user.department_id]
    return []


def in_scope(user, area: str, department_id: int | None, *, change: bool = False) -> bool:
    departments = department_scope(user, area, change=change)
    return departments is None or department_id in departments


def access_table_markdown() -> str:
    """The role table as README shows it (a test keeps the two the same)."""
    short = {N: "–", A: "administered", D: "department", M: "municipality"}
    roles = list(Role)
    lines = [
        "| area | " + " | ".join(str(role.value) for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for area in Area:
        cells = []
        for role in roles:
            sees, changes = ACCESS.get(role, {}).get(area, (N, N))
            cells.append(
                short[sees] if sees == changes or changes == N else f"{short[sees]} / {short[changes]}"
            )
            if changes == N and sees != N:
                cells[-1] += " (read)"
        lines.append(f"| {area.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
