from django.core.management.base import BaseCommand, CommandError

from harvest import services
from harvest.models import HarvestRun
from platforms.base import TransientError


class Command(BaseCommand):
    help = "Harvest one account now, in the foreground, and print what the run did."

    def add_arguments(self, parser):
        parser.add_argument("account_id", type=int)
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read the whole listing instead of stopping at the newest stored post; "
            "posts it no longer returns are marked missing.",
        )

    def handle(self, *args, account_id, full, **options):
        try:
            run = services.harvest_account(
                account_id=account_id, trigger=HarvestRun.Trigger.MANUAL, full=full
            )
        except services.HarvestDeferred as e:
            raise CommandError(
                f"rate limited by the platform: try again in {e.retry_after:.0f} s ({e})"
            ) from e
        except TransientError as e:
            raise CommandError(f"the platform is not answering properly: {e}") from e
        self.stdout.write(
            f"{run.account}: {run.status}\n"
            f"  pages {run.pages}, new {run.items_new}, changed {run.items_changed}, "
            f"missing {run.items_missing}, deleted {run.items_deleted}\n"
            f"  media saved {run.media_saved}, skipped {run.media_skipped}"
            + (f", followers {run.followers}" if run.followers is not None else "")
        )
        if run.error:
            self.stdout.write(f"  error: {run.error}")
        if run.status == HarvestRun.Status.FAILED:
            raise CommandError("the harvest failed")
