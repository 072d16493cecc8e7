"""The integrity status (trusted timestamps of the hash chain) of the accounts a person sees."""

from django import template
from django.conf import settings

from accounts.permissions import visible_accounts
from archive.selectors import chain_timestamp_status

register = template.Library()


@register.inclusion_tag("archive/includes/integrity_status.html")
def integrity_status(user):
    return {
        "timestamps_on": bool(settings.SMGOV_TSA_URL),
        "statuses": chain_timestamp_status(accounts=visible_accounts(user)),
    }
