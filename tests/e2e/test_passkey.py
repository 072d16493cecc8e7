"""A registrar adds a passkey and logs in with it, in Chromium with a virtual authenticator
(the DevTools protocol's WebAuthn domain stands in for a security key or a phone)."""

from django_otp_webauthn.models import WebAuthnCredential

from accounts.roles import Role
from tests.e2e.conftest import log_in
from tests.factories import UserFactory


def test_a_registrar_adds_a_passkey_and_logs_in_with_it(page, live_server, settings, db):
    settings.SMGOV_MFA_REQUIRED_ROLES = ["information_unit", "registrar"]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    registrar = UserFactory(username="per.svensson", first_name="Per", roles=[Role.REGISTRAR])
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    log_in(page, "per.svensson")
    page.wait_for_url("**/inloggning/tvastegs/**")
    assert page.get_by_role("alert").inner_text().startswith("Din roll kräver ett andra steg")
    page.get_by_role("button", name="Lägg till en nyckel (passkey)").click()
    page.get_by_text("Nyckeln lades till.").wait_for()
    assert WebAuthnCredential.objects.filter(user=registrar, confirmed=True).count() == 1

    page.get_by_role("button", name="Logga ut").first.click()
    page.wait_for_url("**/logga-in/")
    log_in(page, "per.svensson")
    page.wait_for_url("**/inloggning/verifiera/**")
    page.get_by_role("button", name="Använd en nyckel (passkey)").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Per"
