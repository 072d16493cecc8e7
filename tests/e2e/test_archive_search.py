"""F11: a registrar finds a record by a Swedish word that only an inflected form of it matches,
sees the match highlighted, and opens the record; both pages have no accessibility violations."""

import pytest

from archive.models import AccessLog, RecordKind
from tests.archive.helpers import ingest
from tests.e2e.conftest import axe_violations, log_in


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    """The role groups come from a data migration, which a flush between browser tests removes;
    the flush also gives content types new ids, so the cached ones are forgotten."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import Role

    ContentType.objects.clear_cache()

    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_f11_registrar_finds_an_inflected_form_and_opens_the_record(page, org):
    post = ingest(org.account, "Skolorna i kommunen får nya lärare till hösten.")
    comment = ingest(
        org.account,
        'Tack! Gäller det <script>alert("x")</script> även Norrbyskolans förskoleklass?',
        kind=RecordKind.COMMENT,
        thread=post,
    )
    ingest(org.other_account, "Skolan i Söderby renoveras.")  # another department: not shown
    ingest(org.account, "Vattenledningen läcker vid torget.")

    log_in(page, "rita")
    page.wait_for_url("**/")
    page.get_by_role("link", name="Arkiv").click()
    page.wait_for_url("**/arkiv/")
    assert axe_violations(page) == []

    # "skola" is nowhere in the text; only "Skolorna" is.
    page.locator("#id_q").fill("skola")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**/arkiv/?q=skola*")
    marks = page.locator(".archive-hit__snippet mark")
    assert "Skolorna" in marks.all_inner_texts()
    # The post, and the comment through its compound "Norrbyskolans"; not the other department's.
    assert page.locator(".archive-hit").count() == 2
    assert "Söderby" not in page.content()
    assert axe_violations(page) == []

    page.locator(f".archive-hit a[href='/arkiv/handling/{post.pk}/']").click()
    page.wait_for_url(f"**/arkiv/handling/{post.pk}/")
    assert page.locator("h1").count() == 1
    # The comment in the thread is shown as text, never run.
    assert page.get_by_text('<script>alert("x")</script>', exact=False).count() >= 1
    assert AccessLog.objects.filter(record=post, user=org.registrar, action="view").exists()
    assert comment.pk
    assert axe_violations(page) == []


def test_f11_registrar_narrows_a_search_by_moderation_flag_and_outcome(page, org):
    from tests.moderation.conftest import open_case

    flagged = open_case(org.account, text="Ring mig om skolan på 070-123 45 67.")
    open_case(org.account, text="En fråga om skolan.")

    log_in(page, "rita")
    page.wait_for_url("**/")
    page.goto("/arkiv/?q=skolan")
    assert page.locator(".archive-hit").count() == 2
    # The facet beside the results counts the flagged comment and narrows to it.
    page.get_by_role("link", name="Telefonnummer").click()
    page.wait_for_url("**flag=phone*")
    assert page.locator(".archive-hit").count() == 1
    assert f"/arkiv/handling/{flagged.record.pk}/" in page.content()
    # The same through the filter form: neither comment is handled yet.
    page.locator("#id_outcome").select_option(label="Inte hanterad ännu")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**outcome=open*")
    assert page.locator(".archive-hit").count() == 1
    assert axe_violations(page) == []


def test_f11_disclosure_page_is_accessible_and_masks_in_the_browser(page, org):
    from archive import services

    post = ingest(org.account, "Skolan svarar Hemliga Hansson om personnummer 19121212-1212.")
    export = services.export_create(actor=org.registrar, request_reference="Begäran 7", record_ids=[post.pk])
    log_in(page, "rita")
    page.wait_for_url("**/")
    page.goto(export.get_absolute_url())
    assert axe_violations(page) == []
    item = export.items.get()
    # The personal identity number the flags found is offered: one click masks it.
    page.get_by_role("button", name="Maskera Personnummer: 19121212-1212").click()
    page.locator(f"#item-{item.pk} .mask-list").wait_for()
    assert "19121212" not in page.locator(f"#item-{item.pk} .archive-text").inner_text()
    # A name is typed, with the provision it is secret under.
    editor = page.locator(f"#item-{item.pk} details.mask-edit")
    if not editor.evaluate("details => details.open"):
        editor.locator("summary").click()
    page.locator(f"#id_item{item.pk}-passages").fill("Hemliga Hansson\n19121212-1212")
    page.locator(f"#id_item{item.pk}-provision").select_option("23:2")
    page.locator(f"#item-{item.pk} .mask-edit button[type=submit]").click()
    page.get_by_text("sekretess enligt 23 kap. 2 § OSL").wait_for()
    shown = page.locator(f"#item-{item.pk} .archive-text").inner_text()
    assert "Hemliga" not in shown and "19121212" not in shown and "████████" in shown
    decision = page.locator(".decision-text").inner_text()
    assert "21 kap. 7 § OSL" in decision and "23 kap. 2 § OSL" in decision and "kammarrätten" in decision
    assert axe_violations(page) == []
