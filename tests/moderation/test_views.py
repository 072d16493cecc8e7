"""The inbox and case pages: who may see what (roles × views × own/other department), and the
inbox's constant number of queries."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from archive.models import Record
from moderation import selectors, services
from moderation.models import Case, CaseFlag, CaseState, Reply

from .conftest import open_case

# role -> (sees the inbox, sees own dept case, acts on own, sees other dept case, acts on other)
MATRIX = {
    "alice": (200, 200, True, 403, False),  # communicator of own
    "charlie": (200, 403, False, 200, True),  # communicator of other
    "web": (200, 200, True, 200, True),  # web communicator: every department
    "head": (200, 200, False, 403, False),  # head of own: sees, clears N9, does not act
    "registrar": (403, 403, False, 403, False),
    "info": (403, 403, False, 403, False),
}


@pytest.mark.parametrize("person", list(MATRIX))
def test_moderation_access_matrix(client, org, person):
    inbox, own_view, own_act, other_view, other_act = MATRIX[person]
    own_case, other_case = open_case(org.account), open_case(org.other_account)
    client.force_login(getattr(org, person))
    assert client.get("/inkorg/").status_code == inbox
    assert client.get(own_case.get_absolute_url()).status_code == own_view
    assert client.get(other_case.get_absolute_url()).status_code == other_view
    for case, allowed in ((own_case, own_act), (other_case, other_act)):
        response = client.post(f"/inkorg/arende/{case.pk}/ta/")
        assert response.status_code == (302 if allowed else 403)
        case.refresh_from_db()
        assert (case.assignee_id is not None) == allowed
        response = client.post(f"/inkorg/arende/{case.pk}/ta-bort/", {"ground": "other", "reason": "x"})
        assert response.status_code in ((302,) if allowed else (403,))
    if inbox == 200:
        listed = {case.pk for case in client.get("/inkorg/?state=all").context["page"].object_list}
        assert (own_case.pk in listed) == (own_view == 200)
        assert (other_case.pk in listed) == (other_view == 200)


def test_anonymous_is_sent_to_login(client, org):
    case = open_case(org.account)
    for url in ["/inkorg/", case.get_absolute_url(), "/inkorg/sparade-svar/", "/inkorg/nyckelord/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/logga-in/" in response["Location"]
    assert client.post(f"/inkorg/arende/{case.pk}/ta/").status_code == 302
    case.refresh_from_db()
    assert case.assignee is None


def test_actions_need_post_and_csrf(org):
    from django.test import Client

    case = open_case(org.account)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.alice)
    assert client.get(f"/inkorg/arende/{case.pk}/ta/").status_code == 405
    assert client.post(f"/inkorg/arende/{case.pk}/ta/").status_code == 403
    case.refresh_from_db()
    assert case.assignee is None


def test_inbox_filters_and_htmx_partial(client, org):
    flagged = open_case(org.account, text="Ring 070-123 45 67")
    plain = open_case(org.account, text="Tack!")
    client.force_login(org.alice)
    listed = client.get("/inkorg/?flag=personal_data").context["page"].object_list
    assert [case.pk for case in listed] == [flagged.pk]
    response = client.get("/inkorg/?flag=none", HTTP_HX_REQUEST="true")
    assert [case.pk for case in response.context["page"].object_list] == [plain.pk]
    assert b"<html" not in response.content  # only the list is swapped in


def test_n21_overdue_cases_are_highlighted_in_the_inbox(client, org):
    open_case(org.account, published_at=timezone.now() - timedelta(days=2))
    open_case(org.account, published_at=timezone.now())
    client.force_login(org.alice)
    body = client.get("/inkorg/").content.decode()
    assert body.count('class="is-overdue') == 1


def test_comment_text_is_escaped_and_flag_is_marked(client, org):
    case = open_case(org.account, text="<script>alert(1)</script> ring 070-123 45 67")
    client.force_login(org.alice)
    body = client.get(case.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "070-123 45 67</mark>" in body


def test_platform_html_is_sanitised(client, org):
    case = open_case(
        org.account, text='<p>Hej <a href="javascript:alert(1)" onclick="x()">här</a></p>', text_format="html"
    )
    client.force_login(org.alice)
    body = client.get(case.get_absolute_url()).content.decode()
    assert "javascript:alert" not in body and "onclick" not in body


def _analyze(table: str) -> None:
    """Fresh statistics after a bulk insert. A long-lived test connection keeps the foreign-key checks'
    plans made while the table was nearly empty (a sequential scan each), which would make the next
    bulk insert quadratic; ANALYZE replaces the statistics and with them those plans."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def test_inbox_queries_do_not_grow_with_10000_open_cases(client, org, django_assert_max_num_queries):
    post = open_case(org.account).record.thread
    now = timezone.now()
    counter = itertools.count()
    records = Record.objects.bulk_create(
        Record(
            account=org.account, department=org.own, platform="mastodon", platform_id=f"bulk-{next(counter)}",
            kind="comment", parent=post, thread=post, author_name="Invånare", text="Hej, när plogas det? 070-123 45 67",
            published_at=now - timedelta(hours=n % 72), first_seen_at=now, last_seen_at=now,
        )
        for n in range(10_000)
    )  # fmt: skip
    _analyze("archive_record")
    cases = Case.objects.bulk_create(
        Case(
            record=record, account=org.account, department=org.own, platform="mastodon",
            deadline=record.published_at + timedelta(hours=24), state=CaseState.NEW, has_personal_data=True,
        )
        for record in records
    )  # fmt: skip
    _analyze("moderation_case")
    CaseFlag.objects.bulk_create(
        CaseFlag(
            case=case, kind="phone", matched="070-123 45 67", start=22, end=35, explanation="Phone number"
        )
        for case in cases
    )
    client.force_login(org.alice)
    with django_assert_max_num_queries(12):
        response = client.get("/inkorg/?sort=newest")
    assert response.context["page"].paginator.count == 10_001
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(12):
        client.get("/inkorg/?flag=personal_data&sida=3")
    # The default order (failed first, then priority and deadline) is read off an index in order, not
    # sorted over all 10,000 open cases.
    with django_assert_max_num_queries(12):
        response = client.get("/inkorg/")
    assert len(response.context["page"].object_list) == 50
    plan = selectors.inbox_cases(user=org.alice, filters=selectors.InboxFilters())[:50].explain()
    assert "case_inbox_order" in plan, plan


def test_a_case_whose_removal_or_latest_reply_failed_needs_attention_whichever_path_changed_it(org):
    case = open_case(org.account, text="Jag vet var du bor")
    Case.objects.filter(pk=case.pk).update(platform_action="failed")
    assert Case.objects.get(pk=case.pk).attention
    Case.objects.filter(pk=case.pk).update(platform_action="done")
    assert not Case.objects.get(pk=case.pk).attention
    reply = Reply.objects.create(case=case, author=org.alice, text="Hej", signature="/Alice", status="failed")
    assert Case.objects.get(pk=case.pk).attention
    Reply.objects.filter(pk=reply.pk).update(status="published")
    assert not Case.objects.get(pk=case.pk).attention


def test_support_admin_shows_cases_read_only_and_never_the_answer_token(client, org, admin_user):
    case = open_case(org.account, text="Ring mig på 070-123 45 67.")
    forward = services.forward_create(
        actor=org.alice,
        case=case,
        to_user=org.bob,
        question="Stämmer det?",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    client.force_login(admin_user)

    page = client.get(reverse("admin:moderation_case_change", args=[case.pk]))
    assert page.status_code == 200
    assert "070-123 45 67" in page.content.decode()  # the flag, inline
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:moderation_case_changelist"), {"state": "new"}).status_code == 200
    html = client.get(reverse("admin:moderation_forward_change", args=[forward.pk])).content.decode()
    assert forward.token not in html
    assert client.post(reverse("admin:moderation_case_delete", args=[case.pk])).status_code == 403
    for name in ("harvestrun", "harveststate", "followercount", "reply"):
        app = "moderation" if name == "reply" else "harvest"
        assert client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200, name


def test_a_removed_case_has_no_empty_section_for_handling_it(client, org):
    case = open_case(org.account, text="Jag vet var du bor")
    services.case_remove(actor=org.alice, case=case, ground="unlawful_threat")
    client.force_login(org.alice)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'id="actions-heading"' not in html
    assert 'id="removal-heading"' in html


def test_the_less_common_actions_are_folded_until_chosen(client, org):
    case = open_case(org.account, text="När öppnar biblioteket?")
    client.force_login(org.alice)
    html = client.get(case.get_absolute_url()).content.decode()
    assert html.count('<details class="case-action form') == 3
    assert '<details class="case-action form form--danger">' in html  # closed
    response = client.post(reverse("moderation:remove", args=[case.pk]), {"ground": ""})
    assert '<details class="case-action form form--danger" open>' in response.content.decode()
