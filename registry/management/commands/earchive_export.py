"""Make an e-archive package (E-ARK SIP) of one account's records of one year."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ServiceAccount
from registry.earchive import EarchiveError, earchive_package_build, earchive_package_create


class Command(BaseCommand):
    help = (
        "Write an E-ARK CSIP/SIP 2.x information package (FGS Paketstruktur) of the account's records "
        "drawn up or received in the year to DIR/<OBJID>/, validate it and keep it zipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, required=True, help="The service account's id.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True, help="The folder to write the package to.")

    def handle(self, *args, **options):
        try:
            account = ServiceAccount.objects.get(pk=options["account"])
        except ServiceAccount.DoesNotExist:
            raise CommandError(f"No service account with id {options['account']}.") from None
        options["out"].mkdir(parents=True, exist_ok=True)
        try:
            package = earchive_package_create(actor=None, account=account, year=options["year"])
            package = earchive_package_build(package_id=package.pk, out_dir=options["out"])
        except EarchiveError as error:
            raise CommandError(str(error)) from error
        summary = package.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['out'] / package.objid}: {summary['records']} records, {summary['files']} data files, "
                f"SHA-256 of the zip {package.sha256}."
            )
        )
        if summary.get("previous"):
            self.stdout.write(
                f"Since {summary['previous']}: {summary['added']} added, {summary['changed']} changed, "
                f"{summary['gone']} gone, {summary['unchanged']} unchanged."
            )
            for label, key in (("added", "added_refs"), ("changed", "changed_refs"), ("gone", "gone_refs")):
                for ref in summary.get(key, []):
                    self.stdout.write(f"  {label}: {ref}")
        else:
            self.stdout.write("The first package of this account and year.")
