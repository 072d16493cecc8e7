from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored credential with the first key of CREDENTIALS_KEYS. Put the new key first, "
        "keep the old ones after it, run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        count = services.credentials_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} credential(s) with the current key."))
