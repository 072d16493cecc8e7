"""The stream worker: a long-lived process holding the Bluesky Jetstream and Mastodon streams."""

import signal
import threading

from django.core.management.base import BaseCommand

from harvest import streams


class Command(BaseCommand):
    help = (
        "Keep the platforms' streams open (Bluesky Jetstream, Mastodon notifications) and store what "
        "they bring for the archive, until stopped with Ctrl-C or SIGTERM."
    )

    def handle(self, *args, **options):
        stop = threading.Event()

        def stopping(signum, frame):
            self.stdout.write("Stopping the streams ...")
            stop.set()

        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
        self.stdout.write("Streams running; accounts that need one get it within a minute.")
        streams.run_all(stop=stop)
