"""Archive before close: an account with records is retired only after its final e-archive package,
holding every record as it is at retirement, has been made."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccountState
from accounts.services import account_retire
from registry.earchive import earchive_package_build, earchive_package_create
from registry.models import EarchivePackage

from .conftest import make_comment, make_thread

APRIL = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def _final(org, tmp_path):
    package = earchive_package_create(actor=org.registrar, account=org.account, final=True)
    return earchive_package_build(package_id=package.pk, out_dir=tmp_path)


def test_an_account_with_records_is_not_retired_before_its_final_package(org):
    make_thread(org.account, comments=1, at=APRIL)
    with pytest.raises(ValidationError) as refused:
        account_retire(actor=org.info, account=org.account)
    assert refused.value.messages == [
        "Kontot kan inte avslutas förrän dess slutpaket till e-arkivet är gjort. En registrator på "
        "Barn- och utbildningsförvaltningen gör det under Diarium → E-arkiv (”Ett kontos slutpaket”); "
        "avsluta sedan kontot."
    ]
    org.account.refresh_from_db()
    assert org.account.state != AccountState.RETIRED


def test_the_final_package_holds_every_year_and_then_the_account_is_retired(org, tmp_path):
    post, _comments = make_thread(org.account, comments=1, at=APRIL)
    make_thread(org.account, comments=0, at=datetime(2026, 2, 1, tzinfo=UTC))
    package = _final(org, tmp_path)
    assert package.scope == EarchivePackage.Scope.ACCOUNT_FINAL and package.year is None
    assert package.summary["records"] == 3
    account_retire(actor=org.info, account=org.account)
    org.account.refresh_from_db()
    assert org.account.state == AccountState.RETIRED


def test_a_record_new_since_the_final_package_needs_a_new_one(org, tmp_path):
    post, _comments = make_thread(org.account, comments=1, at=APRIL)
    _final(org, tmp_path / "first")
    make_comment(org.account, post, text="En sen fråga")
    with pytest.raises(ValidationError) as refused:
        account_retire(actor=org.info, account=org.account)
    assert refused.value.messages[0].startswith(
        "1 poster på kontot är nya eller ändrade sedan dess slutpaket"
    )
    second = _final(org, tmp_path / "second")
    assert second.summary["added"] == 1
    account_retire(actor=org.info, account=org.account)


def test_an_account_without_records_is_retired_as_before(org):
    account_retire(actor=org.info, account=org.account)
    org.account.refresh_from_db()
    assert org.account.state == AccountState.RETIRED


def test_the_account_page_says_what_to_do(org, client):
    make_thread(org.account, comments=0, at=APRIL)
    client.force_login(org.info)
    response = client.post(
        reverse("accounts:action", args=[org.account.pk, "avsluta"]), {"comment": "Slutar"}, follow=True
    )
    assert (
        "Kontot kan inte avslutas förrän dess slutpaket till e-arkivet är gjort." in response.content.decode()
    )
    org.account.refresh_from_db()
    assert org.account.state != AccountState.RETIRED
