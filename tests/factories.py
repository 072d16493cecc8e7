"""factory_boy factories for the project's models."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group

from accounts.models import AccountAdministrator, AccountState, Department, ServiceAccount, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("series_code",)

    name = factory.Sequence(lambda n: f"Förvaltning {n}")
    series_code = factory.Sequence(lambda n: f"F{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@exempelby.se")
    title = "Kommunikatör"
    department = factory.SubFactory(DepartmentFactory)
    trained_on = date(2026, 1, 15)
    password = factory.django.Password("correct-horse-battery-9")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class ServiceAccountFactory(factory.django.DjangoModelFactory):
    """An account in a given state; `admins` are linked the way the services link them."""

    class Meta:
        model = ServiceAccount
        skip_postgeneration_save = True

    platform = "mastodon"
    display_name = factory.Sequence(lambda n: f"Exempelby kommun – konto {n}")
    handle = factory.Sequence(lambda n: f"konto{n}")
    department = factory.SubFactory(DepartmentFactory)
    purpose = "Information till invånarna."
    target_audience = "Invånare."
    response_time = timedelta(hours=24)
    response_time_text = "Vi svarar inom 24 timmar på vardagar."
    state = AccountState.ACTIVE

    @factory.post_generation
    def admins(self, create, extracted, **kwargs):
        from guardian.shortcuts import assign_perm

        if not create:
            return
        users = (
            extracted
            if extracted is not None
            else [UserFactory(department=self.department), UserFactory(department=self.department)]
        )
        for user in users:
            AccountAdministrator.objects.create(account=self, user=user)
            for perm in ("accounts.change_serviceaccount", "accounts.manage_credentials"):
                assign_perm(perm, user, self)


def submitted_request(
    *, actor, department, administrators, platform="youtube", display_name="Nytt konto", **analysis
):
    """An account request as a communicator submits it, waiting for the head's decision; the
    purpose analysis's answers can be given (``purpose=...``)."""
    from accounts.services import account_request_submit

    return account_request_submit(
        actor=actor,
        department=department,
        platform=platform,
        display_name=display_name,
        administrators=administrators,
        **{
            "purpose": "Syfte.",
            "target_audience": "Invånare.",
            "goals": "Mål.",
            "channel_rationale": "Kanal.",
            "resources": "Resurser.",
            "graphic_profile_confirmed": True,
            "municipality_is_sender": True,
            **analysis,
        },
    )
