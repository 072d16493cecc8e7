"""The information unit's page of API tokens: make one for a system (shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.roles import Role, roles_of

from . import permissions, selectors, services
from .forms import TokenCreateForm
from .models import SCOPE_CHOICES, ApiToken


@login_required
def tokens(request):
    if not permissions.can_manage_tokens(request.user):
        raise PermissionDenied
    form = TokenCreateForm()
    made = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            token = get_object_or_404(ApiToken, pk=_int(request.POST.get("token")))
            services.api_token_revoke(actor=request.user, token=token)
            messages.success(request, _("The token of %(name)s was revoked.") % {"name": token.name})
            return redirect("api:tokens")
        if action == "renew":
            token = get_object_or_404(ApiToken, pk=_int(request.POST.get("token")))
            try:
                made = services.api_token_create(actor=request.user, user=token.user, scopes=token.scopes)
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect("api:tokens")
        else:
            form = TokenCreateForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    made = services.system_user_create(
                        actor=request.user,
                        name=data["name"],
                        role=data["role"],
                        department=data["department"],
                        scopes=data["scopes"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    form = TokenCreateForm()
    tokens = list(selectors.token_list())
    live_users = {token.user_id for token in tokens if not token.is_revoked}
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            # The key is in this one answer and nowhere else: it cannot be shown again.
            "made_token": made[0] if made else None,
            "made_key": made[1] if made else None,
            "tokens": [
                {
                    "token": token,
                    "roles": [Role(code).label for code in sorted(roles_of(token.user))],
                    "scopes": [label for code, label in SCOPE_CHOICES if code in token.scopes],
                    "renewable": token.is_revoked and token.user_id not in live_users,
                    "uses": selectors.token_uses(token=token, limit=5),
                }
                for token in tokens
            ],
        },
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
