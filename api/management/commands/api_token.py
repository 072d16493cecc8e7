"""Make, list and revoke the systems' API tokens from the server (the information unit's page does the same).

manage.py api_token create --name "Ärendesystemet" --role registrar --department BUN --scopes archive,diary
manage.py api_token create --user system-arendesystemet --scopes archive,diary   (after a revoke)
manage.py api_token list
manage.py api_token revoke ID
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Department, User
from api import selectors, services
from api.models import ApiToken


class Command(BaseCommand):
    help = "Make, list or revoke an API token of a system user."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="a new system user with a token, or a new token for one")
        create.add_argument("--name", help="the system that will use the token (a new system user)")
        create.add_argument("--role", help="the system user's role code, e.g. registrar")
        create.add_argument("--department", help="the department's diary series code, e.g. BUN")
        create.add_argument("--user", help="an existing system user's user name (a new token after a revoke)")
        create.add_argument("--scopes", default="", help="comma-separated: archive, diary, statistics")
        actions.add_parser("list", help="every token, without its key")
        revoke = actions.add_parser("revoke", help="refuse the token from now on")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _create(self, *, name, role, department, user, scopes, **_options):
        scopes = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        if user:
            system_user = User.objects.filter(username=user).first()
            if system_user is None:
                raise CommandError(f"No user {user}.")
            token, key = services.api_token_create(
                actor=None, user=system_user, scopes=scopes, via=services.COMMAND
            )
        else:
            if not (name and role):
                raise CommandError(
                    "Give --name and --role for a new system user (or --user for a new token)."
                )
            chosen = None
            if department:
                chosen = Department.objects.filter(series_code=department).first()
                if chosen is None:
                    raise CommandError(f"No department with the series code {department}.")
            token, key = services.system_user_create(
                actor=None, name=name, role=role, department=chosen, scopes=scopes, via=services.COMMAND
            )
        self.stdout.write(
            f"Token {token.pk} for {token.user.username} ({', '.join(token.scopes) or 'public only'})."
        )
        self.stdout.write("Copy it now; it is not stored and cannot be shown again:")
        self.stdout.write(key)

    def _list(self, **_options):
        for token in selectors.token_list():
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "in force"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.prefix}…\t{token.name}\t{token.user.username}\t"
                f"{','.join(token.scopes)}\tlast used {used}\t{state}"
            )

    def _revoke(self, *, id, **_options):  # noqa: A002 - the argument's name on the command line
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"No token {id}.")
        services.api_token_revoke(actor=None, token=token, via=services.COMMAND)
        self.stdout.write(f"Token {token.pk} of {token.name} is revoked.")
