"""F11: the registrar's search filters by how a comment was handled: its flags and the case's outcome."""

from django.urls import reverse

from archive.selectors import SearchFilters, record_search
from moderation.flags import RemovalGround
from moderation.models import CaseFlag
from moderation.services import case_close_no_action, case_remove, case_reopen, cases_close_no_action
from tests.moderation.conftest import open_case


def texts(user, **extra) -> set[str]:
    filters = SearchFilters(extra=tuple(extra.items()))
    return {record.text for record in record_search(user=user, filters=filters, per_page=100).records}


def test_f11_search_filters_by_moderation_flag(org):
    phone = open_case(org.account, text="Ring mig på 070-123 45 67 om snöröjningen.")
    mail = open_case(org.account, text="Skriv till eva@example.se om bygglovet.")
    plain = open_case(org.account, text="Tack för snabb snöröjning!")

    assert texts(org.registrar, flag="phone") == {phone.record.text}
    assert texts(org.registrar, flag="email") == {mail.record.text}
    assert texts(org.registrar, flag="personal_data") == {phone.record.text, mail.record.text}
    assert plain.record.text not in texts(org.registrar, flag="link")


def test_f11_search_filters_by_moderation_outcome(org):
    removed = open_case(org.account, text="Ett hot mot handläggaren.")
    ignored = open_case(org.account, text="Bra jobbat med plogningen.")
    waiting = open_case(org.account, text="När öppnar simhallen?")
    case_remove(actor=org.alice, case=removed, ground=RemovalGround.UNLAWFUL_THREAT.value)
    case_close_no_action(actor=org.alice, case=ignored)

    assert texts(org.registrar, outcome="removed") == {removed.record.text}
    assert texts(org.registrar, outcome="no_action") == {ignored.record.text}
    assert texts(org.registrar, outcome="open") == {waiting.record.text}


def test_f11_moderation_filters_combine_with_words_and_keep_department_scope(org):
    own = open_case(org.account, text="Ring 070-123 45 67 om skolskjutsen.")
    open_case(org.account, text="Ring 070-765 43 21 om simhallen.")
    other = open_case(org.other_account, text="Ring 070-111 22 33 om skolskjutsen.")

    found = record_search(
        user=org.registrar, filters=SearchFilters(q="skolskjuts", extra=(("flag", "phone"),)), per_page=100
    )
    assert [record.text for record in found.records] == [own.record.text]
    assert texts(org.web, flag="phone") >= {own.record.text, other.record.text}
    assert other.record.text not in texts(org.alice, flag="phone")


def test_f11_search_page_offers_the_moderation_filters_and_links_them(org, client):
    flagged = open_case(org.account, text="Min mejl är eva@example.se, hör av er om skolan.")
    open_case(org.account, text="Hör av er om skolan.")
    client.force_login(org.registrar)

    response = client.get(reverse("archive:search"), {"q": "skolan", "flag": "email"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="flag"' in page and 'name="outcome"' in page
    assert [record.pk for record in response.context["result"].records] == [flagged.record.pk]
    assert client.get(reverse("archive:search"), {"flag": "nonsense"}).context["form"].errors["flag"]


def labels(case) -> set[str]:
    case.record.refresh_from_db()
    return set(case.record.labels)


def test_f11_record_labels_follow_every_change_of_the_case_whichever_path(org):
    case = open_case(org.account, text="Ring mig på 070-123 45 67.")
    assert labels(case) == {"outcome:new", "flag:phone", "flag:personal_data"}

    cases_close_no_action(actor=org.alice, case_ids=[case.pk])  # a bulk update
    assert "outcome:no_action" in labels(case) and "outcome:new" not in labels(case)
    case.refresh_from_db()
    case_reopen(actor=org.alice, case=case)
    assert {label for label in labels(case) if label.startswith("outcome:")} == {"outcome:in_progress"}
    CaseFlag.objects.filter(case=case).delete()
    assert "flag:phone" not in labels(case)


def test_f11_facets_count_flags_and_outcomes_beside_the_results(org):
    removed = open_case(org.account, text="Hot om skolan, ring 070-123 45 67.")
    open_case(org.account, text="Fråga om skolan, ring 070-765 43 21.")
    open_case(org.account, text="Tack till skolan.")
    case_remove(actor=org.alice, case=removed, ground=RemovalGround.UNLAWFUL_THREAT.value)

    result = record_search(user=org.registrar, filters=SearchFilters(q="skolan"), use_cache=False)

    flags = {facet.value: facet.count for facet in result.facets["flag"]}
    outcomes = {facet.value: facet.count for facet in result.facets["outcome"]}
    assert flags == {"phone": 2, "personal_data": 2}
    assert outcomes == {"removed": 1, "new": 2, "open": 2}
    assert {facet.label for facet in result.facets["outcome"]} >= {
        "Borttagen",
        "Inte hanterad ännu",
    }  # Swedish first
