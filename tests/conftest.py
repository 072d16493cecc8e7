"""Shared fixtures: two departments and a person in each role.

`own` is the department under test and `other` a second one, so every permission test can
ask both "may the owner" and "may an outsider". Alice and Bob are communicators of the
own department, Charlie a communicator of the other.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest

from accounts.roles import Role
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import DepartmentFactory, ServiceAccountFactory, UserFactory

TRANSACTIONAL = {"transactional_db", "live_server", "celery_worker"}
TESTS = Path(__file__).resolve().parent
# Tests that take more than about 30 seconds on their own (pytest --durations), beside tests/reliability/.
SLOW = {
    # 10,000 cases in one bulk insert: the record-label statement triggers take minutes here.
    "tests/moderation/test_views.py::test_inbox_queries_do_not_grow_with_10000_open_cases",
    # axe-core over every page of every role: some 200 checks, a few minutes.
    "tests/e2e/test_axe_every_page.py::test_every_page_of_every_role_has_no_wcag_violations",
}


def pytest_collection_modifyitems(config, items):
    """The markers follow from where a test is and what it uses, so a new test cannot forget them:
    `browser` for tests/e2e/, `worker` for the celery_worker fixture, `slow` for tests/reliability/
    and SLOW. The reliability tests (a 10,000-comment harvest each, worker processes killed with
    SIGKILL) also share one xdist group, so that under `--dist loadgroup` they run one after the
    other on one worker instead of competing for the two cores with each other."""
    for item in items:
        path = Path(item.path).resolve()
        if path.is_relative_to(TESTS / "e2e"):
            item.add_marker(pytest.mark.browser)
        if "celery_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.worker)
        if path.is_relative_to(TESTS / "reliability"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("reliability"))
        elif item.nodeid.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Tests on committed data start from an emptied database: put the migrations' data back.

    (Not serialized rollback: a long-lived worker process may have written content types after the
    last flush, under other ids than the serialized ones, and restoring those would collide.)"""
    marker = request.node.get_closest_marker("django_db")
    committed = marker is not None and marker.kwargs.get("transaction", False)
    if committed or TRANSACTIONAL & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        from tests.reference import restore_reference_data

        restore_reference_data()


@pytest.fixture(autouse=True)
def _swedish():
    """Every test starts in the default language: a request with the language cookie of another test
    leaves its language active in the worker's thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def celery_worker_log(tmp_path_factory):
    """Where the session's worker writes its log."""
    return tmp_path_factory.mktemp("worker") / "worker.log"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, celery_worker_log):
    """A real worker process on the real Redis broker, using the test database.

    Tests that use it see only committed data, so they use `transactional_db`.
    """
    from smgov.celery import app
    from tests.worker import start_worker, stop_worker, wait_until_ready

    app.control.purge()
    process = start_worker(log_path=celery_worker_log)
    try:
        wait_until_ready(app)
        yield app
    finally:
        stop_worker(process)


@pytest.fixture
def org(db):
    own = DepartmentFactory(name="Barn- och utbildningsförvaltningen", series_code="BUN")
    other = DepartmentFactory(name="Samhällsbyggnadsförvaltningen", series_code="SBN")
    central = DepartmentFactory(name="Kommunstyrelseförvaltningen", series_code="KS")
    people = SimpleNamespace(
        own=own,
        other=other,
        central=central,
        alice=UserFactory(
            username="alice",
            first_name="Alice",
            last_name="Andersson",
            department=own,
            roles=[Role.COMMUNICATOR],
        ),
        bob=UserFactory(
            username="bob", first_name="Bob", last_name="Berg", department=own, roles=[Role.COMMUNICATOR]
        ),
        charlie=UserFactory(
            username="charlie",
            first_name="Charlie",
            last_name="Carlsson",
            department=other,
            roles=[Role.COMMUNICATOR],
        ),
        head=UserFactory(
            username="hedda",
            first_name="Hedda",
            last_name="Holm",
            title="Förvaltningschef",
            department=own,
            roles=[Role.HEAD_OF_DEPARTMENT],
        ),
        other_head=UserFactory(
            username="otto",
            first_name="Otto",
            last_name="Olsson",
            title="Förvaltningschef",
            department=other,
            roles=[Role.HEAD_OF_DEPARTMENT],
        ),
        registrar=UserFactory(
            username="rita",
            first_name="Rita",
            last_name="Rask",
            title="Registrator",
            department=own,
            roles=[Role.REGISTRAR],
        ),
        city_registrar=UserFactory(
            username="kerstin",
            first_name="Kerstin",
            last_name="Kron",
            title="Kommunregistrator",
            department=central,
            roles=[Role.MUNICIPAL_REGISTRAR],
        ),
        web=UserFactory(
            username="wilma",
            first_name="Wilma",
            last_name="Wik",
            title="Webbkommunikatör",
            department=central,
            roles=[Role.WEB_COMMUNICATOR],
        ),
        info=UserFactory(
            username="ivar",
            first_name="Ivar",
            last_name="Ibsen",
            title="Informationschef",
            department=central,
            roles=[Role.INFORMATION_UNIT],
        ),
    )
    own.head = people.head
    own.save(update_fields=["head"])
    other.head = people.other_head
    other.save(update_fields=["head"])
    people.account = ServiceAccountFactory(department=own, admins=[people.alice, people.bob])
    people.other_account = ServiceAccountFactory(
        department=other, admins=[people.charlie, UserFactory(department=other)]
    )
    return people


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    """A test CA with a TSA certificate and the municipality's signing certificate (tests/tsa.py)."""
    from tests.tsa import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def _tsa_server(test_pki):
    from tests.tsa import LocalTSA, serve_tsa

    tsa = LocalTSA(test_pki)
    server = serve_tsa(tsa)
    yield tsa
    server.shutdown()


@pytest.fixture
def tsa(_tsa_server, settings):
    """The real local time-stamp authority (openssl ts -reply behind loopback HTTP), turned on."""
    _tsa_server.down = False
    _tsa_server.requests.clear()
    settings.SMGOV_TSA_URL = _tsa_server.url
    settings.SMGOV_TSA_CA_CERTS = str(_tsa_server.pki.ca_cert)
    return _tsa_server


@pytest.fixture
def signing(test_pki, settings):
    """PDFs signed with the municipality's test certificate (issued by the test CA)."""
    settings.SMGOV_SIGNING_CERT = str(test_pki.signing_cert)
    settings.SMGOV_SIGNING_KEY = str(test_pki.signing_key)
    return test_pki
