"""Start the test provider: `python -m tests.oidc_provider.serve PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
LOGOUT_REDIRECT_URI`, with OIDC_PROVIDER_DB and OIDC_PROVIDER_KEY in the environment. It creates the
client and one person (anna@exempelby.se, password from OIDC_PROVIDER_PASSWORD, in the groups named
by OIDC_PROVIDER_GROUPS) and serves on 127.0.0.1 until stopped."""

import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


def main(port: str, client_id: str, client_secret: str, redirect_uri: str, logout_uri: str) -> None:
    call_command("migrate", verbosity=0)
    person = User.objects.create_user(
        "anna",
        email="Anna.Berg@exempelby.se",
        password=os.environ["OIDC_PROVIDER_PASSWORD"],
        first_name="Anna",
        last_name="Berg",
    )
    for name in filter(None, os.environ.get("OIDC_PROVIDER_GROUPS", "").split(",")):
        person.groups.add(Group.objects.get_or_create(name=name)[0])
    Application.objects.create(
        name="smgov",
        client_id=client_id,
        client_secret=client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        post_logout_redirect_uris=logout_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
