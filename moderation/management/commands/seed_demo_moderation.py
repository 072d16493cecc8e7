from django.core.management.base import BaseCommand

from moderation.demo import seed_demo_moderation


class Command(BaseCommand):
    help = "Adds demo comments and their cases to the inbox of every active account (idempotent)."

    def handle(self, *args, **options):
        count = seed_demo_moderation()
        self.stdout.write(self.style.SUCCESS(f"{count} cases in the demo inbox."))
