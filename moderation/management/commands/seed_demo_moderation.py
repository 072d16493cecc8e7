from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from moderation.demo import seed_demo_moderation, seed_demo_monitoring, seed_demo_publishing


class Command(BaseCommand):
    help = "Adds demo comments and their cases to the inbox of every active account (idempotent)."

    def handle(self, *args, **options):
        # Flags on the demo comments would otherwise mail the demo people.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            count = seed_demo_moderation()
            hits = seed_demo_monitoring()
            posts = seed_demo_publishing()
        self.stdout.write(
            self.style.SUCCESS(f"{count} cases in the demo inbox, {hits} monitoring hits, {posts} posts.")
        )
