"""Who may see an account's harvest and ask for one: the accounts policy decides, asked here once."""

from accounts import permissions as account_permissions
from accounts.models import ServiceAccount


def can_view_harvest(user, account: ServiceAccount) -> bool:
    return account_permissions.can_view_account(user, account)


def can_request_harvest(user, account: ServiceAccount) -> bool:
    return account_permissions.can_manage_account(user, account)
