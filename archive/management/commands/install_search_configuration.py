"""(Re)create the Swedish text-search configuration, e.g. after installing hunspell-sv."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from archive.search import install_search_configuration, reindex_records


class Command(BaseCommand):
    help = "Create or repair the smgov_swedish text-search configuration (ispell from hunspell-sv + stemmer)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reindex", action="store_true", help="Recompute every record's search vector afterwards."
        )

    def handle(self, *args, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            with_ispell = install_search_configuration(cursor)
            if options["reindex"]:
                reindex_records(cursor)
        if with_ispell:
            self.stdout.write(
                self.style.SUCCESS("Swedish search uses the hunspell-sv dictionary and the stemmer.")
            )
        else:
            self.stdout.write(
                self.style.WARNING("Swedish search uses the stemmer only (no hunspell-sv files).")
            )
