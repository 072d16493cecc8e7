"""The roles of the municipality, as Django groups.

A role says what kind of work a person does; the department on the person says where.
The public is anonymous and has no group.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNICATOR = "communicator", _("Communicator")
    WEB_COMMUNICATOR = "web_communicator", _("Web communicator")
    REGISTRAR = "registrar", _("Registrar")
    HEAD_OF_DEPARTMENT = "head_of_department", _("Head of department")
    INFORMATION_UNIT = "information_unit", _("Information unit")


def roles_of(user) -> frozenset[str]:
    """The role codes of a user, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_smgov_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & set(Role.values)
        user._smgov_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))
