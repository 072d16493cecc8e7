"""Recompute the archive's hash chains and version hashes and check the chains' RFC 3161 timestamps;
exit non-zero at the first mismatch."""

from django.core.management.base import BaseCommand, CommandError

from archive.integrity import verify_archive


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every account, the hash of every record version and every timestamp "
        "of a chain head (signature, certificate and imprint)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, action="append", help="Only this account id (repeatable).")

    def handle(self, *args, **options):
        report = verify_archive(account_ids=options["account"])
        if not report.ok:
            raise CommandError(f"The archive does not verify. First mismatch: {report.mismatch}")
        self.stdout.write(
            self.style.SUCCESS(
                f"The archive verifies: {report.links} chain links, {report.versions} versions, "
                f"{report.records} records, {report.timestamps} timestamps."
            )
        )
