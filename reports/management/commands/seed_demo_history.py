from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from reports.demo import seed_history


class Command(BaseCommand):
    help = "Add a year of posts, questions, answers and follower counts to the demo accounts (idempotent)."

    def handle(self, *args, **options):
        # Flags on the demo's questions would otherwise mail the demo people.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            added = seed_history()
        self.stdout.write(self.style.SUCCESS(f"Demo history ready ({added} records added)."))
