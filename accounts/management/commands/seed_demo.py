from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_demo


class Command(BaseCommand):
    help = "Create the demo municipality (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # The demo's own requests and decisions would otherwise mail the demo people.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo municipality ready. Log in with any of these:"))
        for username, first, last, title, dept, roles, _trained in PEOPLE:
            self.stdout.write(f"  {username:<18} {first} {last}, {title} ({dept}; {', '.join(roles)})")
        self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
        if settings.SMGOV_MFA_REQUIRED_ROLES:
            self.stdout.write(
                f"  roles that set up a two-step login (authenticator app or passkey) at their first login: "
                f"{', '.join(settings.SMGOV_MFA_REQUIRED_ROLES)} (SMGOV_MFA_REQUIRED_ROLES)"
            )
