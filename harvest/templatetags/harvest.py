from django import template

from harvest.views import status_context

register = template.Library()


@register.inclusion_tag("harvest/_account_status_panel.html", takes_context=True)
def harvest_status(context, account):
    """The harvest panel for an account page: ``{% load harvest %}{% harvest_status account %}``."""
    return status_context(context["request"].user, account) | {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
