"""The foundation: settings, roles, the layout and the production checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SMGOV_ENV": "production",
    "SECRET_KEY": "k" * 20 + "Qx9!vB2#mZ7$wL4^tR8&yN1*pD6(hG3)jF5_cS0+eA",
    "ALLOWED_HOSTS": "sociala.exempelby.se",
    "DATABASE_URL": "postgres://smgov@127.0.0.1:25432/smgov",
    "CREDENTIALS_KEYS": "c21nb3YtZGV2ZWxvcG1lbnQtb25seS1rZXktMzJieXQ=",
}


def manage(*args, env_overrides):
    leaked = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    env = {key: value for key, value in os.environ.items() if key not in leaked}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_settings_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("weak", ["short-key", "a" * 60, "django-insecure-" + "x1y2z3w4v5" * 5])
def test_production_refuses_a_weak_secret_key(weak):
    result = manage("check", "--deploy", env_overrides={**PRODUCTION_ENV, "SECRET_KEY": weak})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CREDENTIALS_KEYS"])
def test_production_fails_loudly_without_a_required_value(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_only_postgresql_is_accepted():
    result = manage("check", env_overrides={"DATABASE_URL": "sqlite:///tmp/x.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_roles_exist_as_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_login_page_is_swedish_and_accessible_markup(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert "Logga in" in html
    assert 'href="#main"' in html and 'id="main"' in html


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_shows_navigation_by_role(client, org):
    client.force_login(org.alice)
    response = client.get(reverse("dashboard"))
    labels = [str(item["label"]) for item in response.context["navigation"]]
    assert "Översikt" in labels and "Konton" in labels
    assert '<nav class="main-nav" aria-label="Huvudmeny">' in response.content.decode()


def test_public_visitor_gets_no_staff_navigation(client, db):
    response = client.get(reverse("accounts:public_list"))
    assert response.status_code == 200
    assert response.context["navigation"] == []


def test_times_are_shown_in_stockholm(settings):
    assert settings.TIME_ZONE == "Europe/Stockholm"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "sv"


def test_health_check_fails_with_503_when_beat_has_not_run(client, db):
    response = client.get(reverse("health"))
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "failing"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["beat"] == {"ok": False, "detail": "no heartbeat yet"}


def test_private_pages_are_never_stored_by_a_cache(client, org):
    client.force_login(org.alice)
    for url in (reverse("dashboard"), reverse("moderation:inbox"), reverse("accounts:public_json")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "public" not in response["Cache-Control"], url


def test_the_public_listing_may_be_cached_for_the_public(client, db):
    response = client.get(reverse("accounts:public_json"))
    assert "public" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
