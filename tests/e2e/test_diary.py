"""The registrar opens the queue, registers a thread and sees its diary number, in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.diary import local_year, registration_request
from registry.models import DiaryCase
from tests.e2e.conftest import axe_violations, log_in
from tests.registry.conftest import make_comment, make_post


@pytest.fixture
def roles(transactional_db):
    """Browser tests run on a flushed database (an earlier test may have emptied it without
    re-creating content types and permissions): put back what the migrations made."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import Role

    ContentType.objects.clear_cache()
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
    for name in Role.values:
        Group.objects.get_or_create(name=name)


def test_registrar_registers_a_thread_from_the_queue(page, roles, org):
    post = make_post(org.account, text="Ny cykelbana längs ån", at=timezone.now() - timedelta(hours=3))
    comment = make_comment(org.account, post, text="Varför tas träden ner? <b>Svara!</b>")
    registration_request(
        record=comment, reason="high_attention", requested_by=org.alice, note="Många reaktioner"
    )

    log_in(page, "rita")
    page.wait_for_url("**/")
    page.goto("/arkiv/diarium/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_text("Varför tas träden ner? <b>Svara!</b>").is_visible()  # escaped text
    assert page.get_by_text("Många reaktioner").is_visible()
    assert axe_violations(page) == []

    title = page.locator("form[action$='/registrera/'] input[name$='-title']")
    assert title.input_value() == "Ny cykelbana längs ån"
    title.fill("Cykelbana längs ån")
    page.locator("form[action$='/registrera/'] button[type=submit]").click()

    case = DiaryCase.objects.get(kind=DiaryCase.Kind.CASE)
    page.wait_for_url(f"**/arkiv/diarium/arenden/{case.pk}/")
    number = f"BUN {local_year()}/1"
    assert case.diary_number == number
    assert number in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("#handlingar tbody tr").count() == 3  # post, comment, snapshot
    assert axe_violations(page) == []
