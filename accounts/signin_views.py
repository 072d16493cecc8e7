"""Sign-in pages: login and logout, the lockout page, the second factor and the lockouts the
information unit lifts. Each asks the permission policy, then a selector or a service."""

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import permissions, selectors, services
from .middleware import signed_in_with_provider

TOTP_KEY_SALT = "smgov.signin.totp-key"
TOTP_KEY_MAX_AGE = 15 * 60


class SignInForm(AuthenticationForm):
    """The password login. With single sign-on on, only break-glass accounts may use it
    (SMGOV_LOCAL_LOGIN_USERS; empty means everyone)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        allowed = settings.SMGOV_LOCAL_LOGIN_USERS
        if settings.SMGOV_OIDC_ENABLED and allowed and user.get_username() not in allowed:
            raise ValidationError(
                _("Log in with the municipality's account (single sign-on) instead."), code="sso_only"
            )


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.SMGOV_OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "misslyckades"
        return context


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a refused login: the login page with the reason, in Swedish."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = SignInForm(request)
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": True,
            "cooloff_minutes": minutes,
            "sso_enabled": settings.SMGOV_OIDC_ENABLED,
            "next": request.POST.get("next", ""),
        },
        status=429,
    )


class SignOutView(auth_views.LogoutView):
    """Logging out deletes the stored sign-in; after single sign-on the provider is told as well."""

    def post(self, request, *args, **kwargs):
        provider_logout = None
        if signed_in_with_provider(request):
            from .oidc import provider_logout_url

            provider_logout = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return redirect(provider_logout) if provider_logout else response


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


@login_required
def verify(request):
    """The second step of the login: a code from the app, a recovery code, or a passkey."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_check(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)d are left. Create new ones if you are running out.")
                    % {"left": selectors.recovery_codes_left(request.user)},
                )
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has already been used. Try again."))
    return render(
        request,
        "accounts/signin/verify.html",
        {"form": form, "next": _next_url(request), "has_passkey": _has_passkey(request.user)},
    )


def _has_passkey(user) -> bool:
    from django_otp_webauthn.models import WebAuthnCredential

    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


@login_required
def setup(request):
    """The person's second factors: authenticator apps, passkeys and recovery codes."""
    from django_otp_webauthn.models import WebAuthnCredential

    return render(
        request,
        "accounts/signin/setup.html",
        {
            "required": selectors.second_factor_required(request.user),
            "authenticators": TOTPDevice.objects.filter(user=request.user, confirmed=True),
            "passkeys": WebAuthnCredential.objects.filter(user=request.user, confirmed=True),
            "recovery_codes_left": selectors.recovery_codes_left(request.user),
            "has_second_factor": selectors.user_has_second_factor(request.user),
            "verified": request.user.is_verified(),
            "next": _next_url(request),
        },
    )


class AuthenticatorForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    token = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_key(self):
        try:
            data = signing.loads(self.cleaned_data["key"], salt=TOTP_KEY_SALT, max_age=TOTP_KEY_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(
                _("The page was open too long. Scan the new QR code and try again.")
            ) from None
        if data.get("user") != self.user.pk:
            raise ValidationError(_("The page was open too long. Scan the new QR code and try again."))
        return data["key"]


def _may_add_factor(request) -> bool:
    """A person who already has a second factor adds another only after giving one."""
    return (
        request.user.is_verified()
        or signed_in_with_provider(request)
        or not selectors.user_has_second_factor(request.user)
    )


@login_required
def authenticator_add(request):
    """Adding an authenticator app: scan the QR code, then type the code the app shows."""
    if not _may_add_factor(request):
        return redirect("signin:verify")
    key = None
    form = AuthenticatorForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            key = form.cleaned_data["key"]
            codes = services.authenticator_add(user=request.user, key=key, token=form.cleaned_data["token"])
            if codes is not None:
                otp_login(request, TOTPDevice.objects.filter(user=request.user, confirmed=True).latest("pk"))
                if codes:
                    context = {"codes": codes, "next": _next_url(request)}
                    return render(request, "accounts/signin/recovery_codes.html", context)
                messages.success(request, _("The authenticator app was added."))
                return redirect(_next_url(request))
            form.add_error("token", _("The code does not match. Check the time on your phone and try again."))
        elif "key" in form.errors:
            messages.error(request, form.errors["key"][0])
            form = AuthenticatorForm(user=request.user)
    key = key or random_hex(20)
    signed_key = signing.dumps({"key": key, "user": request.user.pk}, salt=TOTP_KEY_SALT)
    if form.is_bound:
        form.data = {**form.data.dict(), "key": signed_key, "token": ""}
    else:
        form.initial["key"] = signed_key
    config_url = TOTPDevice(user=request.user, key=key).config_url
    return render(
        request,
        "accounts/signin/authenticator_add.html",
        {
            "form": form,
            "qr": segno.make(config_url, error="m").svg_data_uri(scale=5),
            "secret_text": _base32(key),
            "next": _next_url(request),
        },
    )


def _base32(hex_key: str) -> str:
    from base64 import b32encode

    text = b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


@login_required
@require_POST
def recovery_codes_create(request):
    if not _may_add_factor(request):
        return redirect("signin:verify")
    try:
        codes = services.recovery_codes_create(user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("signin:setup")
    return render(
        request, "accounts/signin/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@login_required
def lockouts(request):
    """The information unit's list of user names and addresses refused after failed logins."""
    if not permissions.can_lift_lockouts(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/signin/lockouts.html",
        {
            "lockouts": selectors.lockouts_active(),
            "events": selectors.signin_events(),
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


class LiftForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I have made sure that it is the person themselves who wants to log in"),
        error_messages={"required": gettext_lazy("Confirm before lifting the lockout.")},
    )
    comment = forms.CharField(label=gettext_lazy("Note for the log"), max_length=500, required=False)


@login_required
def lockout_lift(request, pk: int):
    if not permissions.can_lift_lockouts(request.user):
        raise PermissionDenied
    attempt = selectors.lockouts_active().filter(pk=pk).first()
    if attempt is None:
        messages.info(request, _("That lockout has already ended."))
        return redirect("signin:lockouts")
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signin_lockout_lift(
                actor=request.user, attempt_id=pk, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            messages.info(request, error.messages[0])
        else:
            messages.success(request, _("The lockout was lifted; the person can log in again."))
        return redirect("signin:lockouts")
    return render(request, "accounts/signin/lockout_lift.html", {"attempt": attempt, "form": form})
