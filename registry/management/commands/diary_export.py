"""Write a department's diary of one year as FGS Ärendehantering 2.0 (E-ARK CITS ERMS) XML and CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import Department
from registry.diary_export import DiaryExportError, diary_export_build, diary_export_create


class Command(BaseCommand):
    help = (
        "Write the department's diary of the year (cases, documents, diary numbers, the samlingsakt and "
        "its cross-references) as FGS Ärendehantering 2.0 XML validated against the ERMS schema, and as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--department", required=True, help="The department's id or diary series code.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True, help="The folder to write the two files to.")

    def handle(self, *args, **options):
        given = str(options["department"])
        lookup = Q(series_code__iexact=given) | (Q(pk=int(given)) if given.isdigit() else Q())
        department = Department.objects.filter(lookup).first()
        if department is None:
            raise CommandError(f"No department with id or series code {given}.")
        try:
            export = diary_export_create(actor=None, department=department, year=options["year"])
            export = diary_export_build(export_id=export.pk)
        except DiaryExportError as error:
            raise CommandError(str(error)) from error
        out = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        for field in (export.xml_file, export.csv_file):
            target = out / Path(field.name).name
            with field.open("rb") as source:
                target.write_bytes(source.read())
            self.stdout.write(str(target))
        summary = export.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"{department.series_code} {export.year}: {summary['cases']} cases, {summary['documents']} "
                f"documents; the XML validates against the ERMS schema (SHA-256 {export.xml_sha256})."
            )
        )
