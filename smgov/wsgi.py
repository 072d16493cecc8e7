import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smgov.settings")
application = get_wsgi_application()

# Open the worker's database connection before the first request: a new connection loads the
# Swedish search dictionary (archive.search.warm_search_dictionary), which takes seconds.
try:
    from django.db import connection

    connection.ensure_connection()
except Exception:  # the database may still be starting; the first request connects then
    logging.getLogger(__name__).warning("Database not reachable at worker start", exc_info=True)
