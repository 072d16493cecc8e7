"""The problem view: everything that went wrong and is waiting for a person, in one list per role.

Each kind of problem is read by the app that owns it; this module only gathers them within what the
person may see, so the page, the dashboard and the count agree.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import selectors as account_selectors
from accounts.permissions import visible_accounts
from accounts.roles import Area, Scope, scope
from archive import selectors as archive_selectors
from harvest import selectors as harvest_selectors
from moderation import selectors as moderation_selectors

SHOWN = 50  # rows per kind; the heading gives the full count


@dataclass
class ProblemKind:
    key: str
    title: str
    description: str
    rows: list = field(default_factory=list)
    count: int = 0


def _kind(key: str, title, description, queryset: QuerySet) -> ProblemKind:
    rows = list(queryset[: SHOWN + 1])
    count = len(rows) if len(rows) <= SHOWN else queryset.count()
    return ProblemKind(key, str(title), str(description), rows[:SHOWN], count)


def problems_for(user, *, now=None) -> list[ProblemKind]:
    """The person's problems, most urgent kind first; kinds outside the person's work are left out."""
    now = now or timezone.now()
    kinds = [
        _kind(
            "removals",
            _("Removed comments still public on the platform"),
            _("Hiding failed or must be done by hand. Remove the comment on the platform, then confirm it."),
            moderation_selectors.removals_still_public(user=user),
        ),
        _kind(
            "replies",
            _("Replies that could not be published"),
            _(
                "The citizen is still waiting and the deadline keeps running. Try again or answer on the platform."
            ),
            moderation_selectors.replies_failed(user=user),
        ),
        _kind(
            "harvest",
            _("Accounts whose harvest is not working"),
            _("Comments on these accounts are not reaching the inbox or the archive."),
            harvest_selectors.harvest_outages(accounts=visible_accounts(user), now=now),
        ),
        _kind(
            "credentials",
            _("Login details that expire or fail"),
            _("Renew them before the harvest and publishing stop."),
            account_selectors.credentials_needing_attention(user=user, now=now),
        ),
        _kind(
            "supervision",
            _("Accounts overdue for a check"),
            _("No one has checked these accounts within their interval."),
            account_selectors.accounts_overdue_for_check(user=user, now=now),
        ),
    ]
    # The time-stamp authority is the information unit's, as the platforms' login details are.
    if scope(user, Area.CREDENTIALS) == Scope.MUNICIPALITY:
        kinds.append(
            _kind(
                "timestamps",
                _("Hash chains the time-stamp authority has not timestamped"),
                _(
                    "smgov keeps asking, with a growing wait; until it answers, the newest records are "
                    "not covered by a trusted timestamp. Check the TSA address and its service."
                ),
                archive_selectors.chain_timestamp_failures(accounts=visible_accounts(user)),
            )
        )
    return kinds


def problem_count(user, *, now=None) -> int:
    return sum(kind.count for kind in problems_for(user, now=now))
