from django.core.management.base import BaseCommand

from harvest.demo import configure_demo_harvest


class Command(BaseCommand):
    help = "Point the demo municipality's Mastodon account at the demo platform (/demo-plattform/)."

    def handle(self, *args, **options):
        account = configure_demo_harvest()
        if account is None:
            self.stdout.write("Demo platform off (DEMO_PLATFORM) or no demo Mastodon account: nothing to do.")
        else:
            self.stdout.write(f"{account} harvests {account.api_base_url}; the first harvest is due now.")
