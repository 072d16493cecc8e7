"""The register's pages: request, decision, account actions. They call the services and show their errors."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, AccountState, ServiceAccount
from tests.factories import UserFactory, submitted_request

pytestmark = pytest.mark.django_db


def request_data(org, **overrides):
    data = {
        "display_name": "Exempelby kommun – Skolan",
        "platform": "instagram",
        "handle": "exempelbyskolan",
        "profile_url": "https://www.instagram.com/exempelbyskolan",
        "parent": "",
        "purpose": "Information till vårdnadshavare.",
        "goals": "Nå vårdnadshavare snabbare.",
        "target_audience": "Vårdnadshavare.",
        "channel_rationale": "Vårdnadshavarna finns på Instagram.",
        "resources": "Två kommunikatörer turas om.",
        "response_time_hours": "48",
        "response_time_text": "Vi svarar inom 48 timmar.",
        "account_owner": "municipality",
        "municipality_is_sender": "on",
        "graphic_profile_confirmed": "on",
        "administrators": [org.alice.pk, org.bob.pk],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, org, **overrides):
    client.force_login(org.alice)
    return client.post(reverse("accounts:request"), request_data(org, **overrides))


def returned_request(org):
    client_data = request_data(org)
    account = submitted_request(
        actor=org.alice,
        department=org.own,
        administrators=[org.alice, org.bob],
        platform="instagram",
        display_name=client_data["display_name"],
        purpose="Första analysen.",
        target_audience="Vårdnadshavare.",
    )
    services.account_decide(actor=org.head, account=account, decision="return", comment="Beskriv helgerna.")
    return account


def test_n10_request_page_submits_the_purpose_analysis(client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, org, parent=str(org.account.pk))
    account = ServiceAccount.objects.get(display_name="Exempelby kommun – Skolan")
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    assert account.state == AccountState.REQUESTED
    assert account.department == org.own
    assert account.response_time == timedelta(hours=48)
    assert account.parent == org.account
    assert account.request.channel_rationale == "Vårdnadshavarna finns på Instagram."
    assert set(account.administrators.all()) == {org.alice, org.bob}
    assert [message.to for message in mail.outbox] == [[org.head.email]]


def test_n10_request_form_shows_linked_error_summary(client, org):
    response = submit(client, org, goals="", graphic_profile_confirmed=None)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_goals"' in html and 'href="#id_graphic_profile_confirmed"' in html
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()


def test_f5_a_request_states_it_is_the_departments_service_account_with_the_municipality_as_sender(
    client, org
):
    response = submit(client, org, municipality_is_sender=None)
    html = response.content.decode()
    assert response.status_code == 200 and 'href="#id_municipality_is_sender"' in html
    assert "profil visar att kommunen är avsändare." in html
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()
    # The service holds to it whoever calls it, and the request keeps what was stated.
    arguments = dict(
        actor=org.alice,
        department=org.own,
        platform="facebook",
        display_name="Exempelby kommun – Fritid",
        purpose="Syfte.",
        target_audience="Invånare.",
        goals="Mål.",
        channel_rationale="Kanal.",
        resources="Resurser.",
        graphic_profile_confirmed=True,
        administrators=[org.alice, org.bob],
    )
    with pytest.raises(ValidationError, match="visar att kommunen är avsändare"):
        services.account_request_submit(**arguments, municipality_is_sender=False)

    submit(client, org)

    account = ServiceAccount.objects.get(display_name="Exempelby kommun – Skolan")
    assert account.request.municipality_is_sender is True


def test_f6_a_private_account_cannot_be_registered_as_a_service_account(client, org):
    client.force_login(org.alice)
    form = client.get(reverse("accounts:request")).content.decode()
    assert 'name="account_owner" value="private"' in form  # the form asks whose account it is

    response = submit(client, org, account_owner="private")

    html = response.content.decode()
    assert response.status_code == 200
    assert "privata konton får bara användas för att hämta in information" in html
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()
    response = submit(client, org, account_owner=None)  # and it must be answered
    assert 'href="#id_account_owner"' in response.content.decode()
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()


def test_f2_request_form_needs_two_administrators(client, org):
    response = submit(client, org, administrators=[org.alice.pk])
    assert response.status_code == 200
    assert "Välj minst två administratörer." in response.content.decode()
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()


def test_n5_untrained_person_is_shown_disabled_and_rejected(client, org):
    untrained = UserFactory(department=org.own, trained_on=None, first_name="Ulla", last_name="Utan")
    client.force_login(org.alice)
    html = client.get(reverse("accounts:request")).content.decode()
    option = html[html.index(f'value="{untrained.pk}"') - 200 : html.index(f'value="{untrained.pk}"') + 100]
    assert "disabled" in option
    response = submit(client, org, administrators=[org.alice.pk, untrained.pk])
    assert response.status_code == 200
    assert "förrän efter utbildningen i sekretess" in response.content.decode()
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()


def test_n2_request_page_only_offers_own_department_people(client, org):
    client.force_login(org.alice)
    html = client.get(reverse("accounts:request")).content.decode()
    assert f'value="{org.bob.pk}"' in html
    assert f'value="{org.charlie.pk}"' not in html
    response = submit(client, org, administrators=[org.alice.pk, org.charlie.pk])
    assert response.status_code == 200
    assert not ServiceAccount.objects.filter(display_name="Exempelby kommun – Skolan").exists()


def test_n2_information_unit_chooses_the_department(client, org):
    client.force_login(org.info)
    url = reverse("accounts:request") + f"?department={org.other.pk}"
    html = client.get(url).content.decode()
    assert f'value="{org.charlie.pk}"' in html and f'value="{org.alice.pk}"' not in html
    other_admin = org.other_account.administrators.exclude(pk=org.charlie.pk).get()
    response = client.post(url, request_data(org, administrators=[org.charlie.pk, other_admin.pk]))
    assert response.status_code == 302
    assert ServiceAccount.objects.get(display_name="Exempelby kommun – Skolan").department == org.other


def test_n1_returned_request_is_edited_and_resubmitted(client, org):
    account = returned_request(org)
    client.force_login(org.alice)
    url = reverse("accounts:resubmit", args=[account.pk])
    page = client.get(url).content.decode()
    assert "Beskriv helgerna." in page and "Första analysen." in page
    data = request_data(org, purpose="Ny analys.", resources="Tre personer, även helger.", comment="Klart.")
    del data["administrators"], data["platform"]
    response = client.post(url, data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.state == AccountState.REQUESTED
    assert account.purpose == "Ny analys."
    assert account.request.resources == "Tre personer, även helger."
    assert account.events.first().action == AccountEvent.Action.RESUBMITTED


def test_resubmit_page_only_for_returned_requests(client, org):
    client.force_login(org.alice)
    assert client.get(reverse("accounts:resubmit", args=[org.account.pk])).status_code == 404


def test_n1_head_decides_on_the_account_page_and_the_decision_is_shown(client, org):
    account = returned_request(org)
    services.account_request_resubmit(actor=org.alice, account=account)
    client.force_login(org.head)
    page = client.get(account.get_absolute_url()).content.decode()
    assert reverse("accounts:decide", args=[account.pk]) in page and "data-confirm" in page
    assert account in list(client.get(reverse("accounts:decisions")).context["requests"])

    response = client.post(
        reverse("accounts:decide", args=[account.pk]), {"decision": "reject", "comment": ""}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.state == AccountState.REQUESTED  # a rejection needs a reason
    client.post(reverse("accounts:decide", args=[account.pk]), {"decision": "approve", "comment": "Bra."})
    account.refresh_from_db()
    assert account.state == AccountState.APPROVED
    client.force_login(org.alice)
    page = client.get(account.get_absolute_url()).content.decode()
    assert "Hedda Holm" in page and "Bra." in page and "Beskriv helgerna." in page


def test_n1_decision_errors_are_shown(client, org):
    account = returned_request(org)
    services.account_request_resubmit(actor=org.alice, account=account)
    client.force_login(org.head)
    response = client.post(
        reverse("accounts:decide", args=[account.pk]), {"decision": "return", "comment": " "}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_account_state_actions(client, org):
    client.force_login(org.alice)
    account = org.account

    def act(action, **data):
        return client.post(reverse("accounts:action", args=[account.pk, action]), data, follow=True)

    act("pausa", comment="Semester.")
    account.refresh_from_db()
    assert account.state == AccountState.PAUSED
    assert account.events.first().comment == "Semester."
    act("ateruppta")
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    response = act("aktivera")  # already active
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    act("avsluta", comment="Ersatt.")
    account.refresh_from_db()
    assert account.state == AccountState.RETIRED


def test_account_actions_need_post(client, org):
    client.force_login(org.alice)
    assert client.get(reverse("accounts:action", args=[org.account.pk, "pausa"])).status_code == 405
    assert client.post(reverse("accounts:action", args=[org.account.pk, "explode"])).status_code == 404


def test_f2_approved_account_is_activated_only_with_two_admins(client, org):
    account = returned_request(org)
    services.account_request_resubmit(actor=org.alice, account=account)
    services.account_decide(actor=org.head, account=account, decision="approve")
    org.bob.is_active = False
    org.bob.save()
    client.force_login(org.alice)
    response = client.post(reverse("accounts:action", args=[account.pk, "aktivera"]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    account.refresh_from_db()
    assert account.state == AccountState.APPROVED


def test_f2_removing_second_to_last_admin_shows_the_refusal(client, org):
    client.force_login(org.alice)
    response = client.post(
        reverse("accounts:administrator_remove", args=[org.account.pk, org.bob.pk]), follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "minst två administratörer" in messages[0]
    assert org.account.administrators.count() == 2


def test_n5_add_administrator_offers_trained_people_and_refuses_untrained(client, org):
    third = UserFactory(department=org.own, first_name="Tora")
    untrained = UserFactory(department=org.own, trained_on=None)
    client.force_login(org.alice)
    html = client.get(org.account.get_absolute_url()).content.decode()
    assert f'value="{third.pk}"' in html
    assert (
        "disabled"
        in html[html.index(f'value="{untrained.pk}"') - 100 : html.index(f'value="{untrained.pk}"') + 60]
    )
    url = reverse("accounts:administrator_add", args=[org.account.pk])
    response = client.post(url, {"user": untrained.pk}, follow=True)
    assert "har ingen registrerad utbildning" in str(list(response.context["messages"])[0])
    client.post(url, {"user": third.pk})
    assert third in org.account.administrators.all()
    client.post(reverse("accounts:administrator_remove", args=[org.account.pk, org.bob.pk]))
    assert set(org.account.administrators.all()) == {org.alice, third}


def test_n13_mark_checked_and_edit_supervision_interval(client, org):
    client.force_login(org.bob)
    client.post(reverse("accounts:action", args=[org.account.pk, "kontrollerad"]))
    org.account.refresh_from_db()
    assert org.account.last_checked_by == org.bob and org.account.last_checked_at is not None

    client.force_login(org.alice)
    url = reverse("accounts:edit", args=[org.account.pk])
    form = client.get(url).context["form"]
    assert form.initial["supervision_hours"] == 24
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(supervision_hours="8", parent="", response_time_hours="12")
    response = client.post(url, data)
    assert response.status_code == 302
    org.account.refresh_from_db()
    assert org.account.supervision_interval == timedelta(hours=8)
    assert org.account.response_time == timedelta(hours=12)
    assert org.account.events.first().action == AccountEvent.Action.UPDATED


def test_n7_account_cannot_be_its_own_parent(client, org):
    client.force_login(org.alice)
    form = client.get(reverse("accounts:edit", args=[org.account.pk])).context["form"]
    assert org.account not in form.fields["parent"].queryset


def test_account_list_filters_and_paginates(client, org):
    for _ in range(26):
        ServiceAccount.objects.create(
            platform="rss", display_name="Blogg", department=org.own, purpose="p", target_audience="t"
        )
    client.force_login(org.alice)
    url = reverse("accounts:list")
    response = client.get(url, {"platform": "rss"})
    assert response.context["page"].paginator.count == 26
    assert "platform=rss" in response.context["query_string"]
    assert client.get(url, {"platform": "rss", "sida": 2}).context["page"].number == 2
    assert client.get(url, {"state": "active"}).context["page"].paginator.count == 1
    response = client.get(url, {"department": org.other.pk})
    assert response.context["page"].paginator.count == 0
    assert 'class="empty"' in response.content.decode()


def test_n19_overview_counts_active_accounts_per_department_and_platform(client, org):
    ServiceAccount.objects.create(
        platform="rss", display_name="Blogg", department=org.own, purpose="p", target_audience="t"
    )  # requested: not counted
    client.force_login(org.head)
    matrix = client.get(reverse("accounts:overview")).context["matrix"]
    own_row = next(row for row in matrix["rows"] if row["department"] == org.own)
    assert own_row["own"] and own_row["total"] == 1
    assert {cell["platform"].value: cell["count"] for cell in own_row["cells"]}["mastodon"] == 1
    assert matrix["total"] == 2


def _described_by_ids_missing(html: str) -> set[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    wanted = {name for value in re.findall(r'aria-describedby="([^"]*)"', html) for name in value.split()}
    return wanted - ids


def test_every_help_text_and_error_is_announced_with_its_field(client, org):
    response = submit(client, org, goals="", graphic_profile_confirmed=None)
    html = response.content.decode()
    assert (
        'aria-describedby="id_goals_helptext id_goals_error"' in html
        or 'aria-describedby="id_goals_error"' in html
    )
    assert html.count("aria-describedby=") >= 5
    assert _described_by_ids_missing(html) == set()


def test_rule_codes_are_not_shown_to_people(client, org):
    """The rules are said in words; a code like N11 or F2 means nothing to a communicator."""
    rule_code = re.compile(r"\b[NF]\d{1,2}\b")
    client.force_login(org.alice)
    pages = [
        submit(client, org, administrators=[org.alice.pk], graphic_profile_confirmed=None),
        client.get(reverse("accounts:request")),
        client.get(org.account.get_absolute_url()),
        client.get(reverse("accounts:edit", args=[org.account.pk])),
    ]
    client.force_login(org.head)
    pages.append(client.get(reverse("accounts:decisions")))
    for response in pages:
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        assert rule_code.findall(text) == [], response.request["PATH_INFO"]


def test_f14_the_blogs_own_author_names_are_edited_on_the_accounts_form_in_swedish(client, org):
    client.force_login(org.alice)
    url = reverse("accounts:edit", args=[org.account.pk])
    response = client.get(url)
    page = response.content.decode()
    assert "Kommunens författarnamn" in page
    assert "en per rad" in page  # the help text, translated
    data = {name: value for name, value in response.context["form"].initial.items() if value is not None}
    data.update(parent="", own_author_names="Norrviks kommun\nLena Berg, kommunikatör\n")

    assert client.post(url, data).status_code == 302

    org.account.refresh_from_db()
    assert org.account.own_author_list == ["Norrviks kommun", "Lena Berg, kommunikatör"]
