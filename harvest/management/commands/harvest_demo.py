from django.core.management.base import BaseCommand

from harvest.demo import configure_demo_harvest


class Command(BaseCommand):
    help = "Point every active demo account at its feed on the demo platform (/demo-plattform/)."

    def handle(self, *args, **options):
        accounts = configure_demo_harvest()
        if not accounts:
            self.stdout.write("Demo platform off (DEMO_PLATFORM) or no demo accounts: nothing to do.")
        for account in accounts:
            self.stdout.write(f"{account} harvests {account.api_base_url}; the first harvest is due now.")
