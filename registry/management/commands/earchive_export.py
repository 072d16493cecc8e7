"""Make an e-archive package (E-ARK SIP): an account's records of one year, a department's records of
one year, or an account's final package of all its records."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import Department, ServiceAccount
from registry.earchive import EarchiveError, earchive_package_build, earchive_package_create


class Command(BaseCommand):
    help = (
        "Write an E-ARK CSIP/SIP 2.x information package (FGS Paketstruktur) to DIR/<OBJID>/, validate it "
        "and keep it zipped: the records of an account (--account) or of a department (--department) drawn "
        "up or received in the year, or with --final every record of the account (its final package, "
        "which must be made before the account is retired)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--account", type=int, help="The service account's id.")
        which.add_argument("--department", help="The department's id or diary series code.")
        parser.add_argument("--year", type=int)
        parser.add_argument(
            "--final", action="store_true", help="The account's final package: all its records, no year."
        )
        parser.add_argument("--out", type=Path, required=True, help="The folder to write the package to.")

    def handle(self, *args, **options):
        scope = {}
        if options["account"] is not None:
            try:
                scope["account"] = ServiceAccount.objects.get(pk=options["account"])
            except ServiceAccount.DoesNotExist:
                raise CommandError(f"No service account with id {options['account']}.") from None
        else:
            given = str(options["department"])
            lookup = Q(series_code__iexact=given) | (Q(pk=int(given)) if given.isdigit() else Q())
            scope["department"] = Department.objects.filter(lookup).first()
            if scope["department"] is None:
                raise CommandError(f"No department with id or series code {given}.")
        if options["final"]:
            if options["account"] is None:
                raise CommandError("--final is made of one account (--account).")
            scope["final"] = True
        elif options["year"] is None:
            raise CommandError("Give --year (or --final for an account's final package).")
        else:
            scope["year"] = options["year"]
        options["out"].mkdir(parents=True, exist_ok=True)
        try:
            package = earchive_package_create(actor=None, **scope)
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
            self.stdout.write("The first package with these contents.")
