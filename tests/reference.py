"""Reference data that migrations put in the database (roles, keyword rules, saved replies,
secrecy provisions, document classes). Tests on committed data empty every table when they end, so this puts
the reference data back before each such test."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from accounts.roles import Role

# (migration module, seeding function): each function is idempotent.
SEEDS = [
    ("moderation.migrations.0002_seed_rules_and_saved_replies", "seed"),
    ("archive.migrations.0015_secrecy_provisions", "add_common"),
]


def _document_classes() -> None:
    """The default document classes of archive's migration 0008, now registry's model."""
    from registry.models import DocumentClass

    defaults = importlib.import_module("archive.migrations.0008_diary_retention").DEFAULT_CLASSES
    for values in defaults:
        DocumentClass.objects.get_or_create(applies_to=values["applies_to"], defaults=values)


def restore_reference_data() -> None:
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType

    # A flush re-creates content types under new ids, or (after a serialized rollback) not at
    # all: forget the cached ones and make sure every content type and permission exists.
    ContentType.objects.clear_cache()
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
    _document_classes()
