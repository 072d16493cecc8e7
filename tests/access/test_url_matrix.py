"""Every URL of the project × every role, generated from the URL conf, with the expected outcome
read from the role table (`accounts.roles.ACCESS`); and in the same crawl, no GET writes a row.

`SPECS` says for each URL name which area of the role table it opens, whether it changes or only
reads, which fixture object fills its path and whose object that is. A URL without a spec fails
the test, so a new view cannot be left out. Outcomes: 302 to the login page (anonymous), 403
(outside the role's scope), 404 (a per-person object of someone else), 405 (a POST-only address
opened with GET), else 200 (or a redirect for a page that sends a person on to their own page).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.roles import Area, Role, Scope, role_scope, roles_of
from archive import services as archive_services
from moderation import publishing
from moderation import services as moderation_services
from moderation.models import FlagRule, MonitoringHit, SavedReply, Watch
from registry import diary, retention
from registry.models import DiaryDocument, DisposalRun, DocumentClass, EarchivePackage
from reports.models import ReportPdf
from tests.factories import submitted_request
from tests.moderation.conftest import open_case
from tests.registry.conftest import make_thread

ROLES = [
    "anonymous",
    "alice",
    "charlie",
    "head",
    "other_head",
    "registrar",
    "city_registrar",
    "web",
    "info",
]

PUBLIC = "public"  # anyone, logged in or not
LOGGED_IN = "logged_in"  # any person who is logged in
OWNED = "owned"  # one person's own object: 200 for them, 404 (or 403) for everyone else


@dataclass(frozen=True)
class Spec:
    area: str
    obj: str | None = None  # the fixture object that fills the path, or None
    change: bool = False  # the page changes something (needs the change scope)
    post_only: bool = False
    own_side: str = "own"  # "own" or "other": whose department the object is in
    redirects: bool = False  # a permitted person may be sent on (302) to their own page
    refused: int = 403  # for OWNED: what everyone else gets
    method_first: bool = False  # POST-only checked before the login: anonymous GET gets 405 too
    api: bool = False  # a REST API endpoint: the anonymous get 401 (no login page to be sent to)


def S(area, obj=None, **kw):
    return Spec(area, obj, **kw)


def P(area, obj=None, **kw):
    return Spec(area, obj, post_only=True, **kw)


SPECS = {
    # smgov
    "dashboard": S(LOGGED_IN),
    "problems": S(Area.PROBLEMS),
    "login": S("login"),
    "logout": P(LOGGED_IN, method_first=True),
    "health": S("health"),
    "health_web": S(PUBLIC),
    "set_language": S("set_language"),
    # accounts
    "accounts:public_list": S(PUBLIC),
    "accounts:public_json": S(PUBLIC),
    "accounts:public_csv": S(PUBLIC),
    "accounts:list": S(Area.ACCOUNTS),
    "accounts:request": S(Area.ACCOUNT_REQUESTS, change=True),
    "accounts:decisions": S(Area.DECISIONS),
    "accounts:overview": S(Area.OVERVIEW),
    "accounts:detail": S(Area.ACCOUNTS, "account"),
    "accounts:edit": S(Area.ACCOUNTS, "account", change=True),
    "accounts:resubmit": S(Area.ACCOUNTS, "returned_account", change=True),
    "accounts:decide": P(Area.DECISIONS, "account", method_first=True),
    "accounts:credentials": S(Area.CREDENTIALS, "account", change=True),
    "accounts:administrator_add": P(Area.ACCOUNTS, "account", method_first=True),
    "accounts:administrator_remove": P(Area.ACCOUNTS, "account_admin", method_first=True),
    "accounts:action": P(Area.ACCOUNTS, "account_action", method_first=True),
    # harvest
    "harvest:account_status": S(Area.ACCOUNTS, "account_id"),
    "harvest:harvest_now": P(Area.ACCOUNTS, "account_id"),
    # the demo platform (served only with DEMO_PLATFORM, off in tests)
    "demo": S("demo"),
    # moderation
    "moderation:inbox": S(Area.INBOX),
    "moderation:bulk": P(Area.INBOX),
    "moderation:case": S(Area.INBOX, "case"),
    "moderation:assign": P(Area.INBOX, "case"),
    "moderation:take": P(Area.INBOX, "case"),
    "moderation:no_action": P(Area.INBOX, "case"),
    "moderation:reopen": P(Area.INBOX, "case"),
    "moderation:reply": P(Area.INBOX, "case"),
    "moderation:reply_manual": P(Area.INBOX, "case_reply"),
    "moderation:reply_retry": P(Area.INBOX, "case_reply"),
    "moderation:forward": P(Area.INBOX, "case"),
    "moderation:forward_record": P(Area.INBOX, "case_forward"),
    "moderation:remove": P(Area.INBOX, "case"),
    "moderation:platform_done": P(Area.INBOX, "case"),
    "moderation:manager_request": P(Area.INBOX, "case"),
    "moderation:manager_clear": P(Area.INBOX, "case"),
    "moderation:forward_answer": S(OWNED, "forward_token"),
    "moderation:reply_review": S(OWNED, "reply_id"),
    "moderation:photo_consents": S(Area.INBOX),
    "moderation:photo_consent_note": P(Area.INBOX, "record_pk"),
    "moderation:saved_replies": S(Area.INBOX, change=True),
    "moderation:saved_reply_new": S(Area.INBOX, change=True),
    "moderation:saved_reply": S(Area.INBOX, "saved_reply", change=True),
    "moderation:flag_rules": S(Area.INBOX, change=True),
    "moderation:flag_rule_new": S(Area.INBOX, change=True),
    "moderation:flag_rule": S(Area.INBOX, "flag_rule", change=True),
    # archive
    "archive:search": S(Area.ARCHIVE),
    "archive:record": S(Area.ARCHIVE, "record"),
    "archive:record_source": S(Area.EXPORTS, "record_source", change=True),
    "archive:record_media": S(Area.ARCHIVE, "record_media"),
    "archive:exports": S(Area.EXPORTS, change=True),
    "archive:export_create": P(Area.EXPORTS),
    "archive:export": S(Area.EXPORTS, "export", change=True),
    "archive:export_mask": P(Area.EXPORTS, "export_item"),
    "archive:export_pdf": P(Area.EXPORTS, "export"),
    "archive:export_status": S(Area.EXPORTS, "export", change=True),
    "archive:export_download": S(Area.EXPORTS, "export_csv", change=True),
    # registry
    "registry:diary": S(Area.DIARY, change=True),
    "registry:diary_register": P(Area.DIARY, "request"),
    "registry:diary_attach": P(Area.DIARY, "request"),
    "registry:diary_not_needed": P(Area.DIARY, "request"),
    "registry:diary_cases": S(Area.DIARY, change=True),
    "registry:diary_case": S(Area.DIARY, "diary_case", change=True),
    "registry:diary_case_documents": S(Area.DIARY, "diary_case", change=True),
    "registry:diary_document_file": S(Area.DIARY, "snapshot", change=True),
    "registry:diary_samlingsakt_start": S(Area.DIARY, change=True, redirects=True),
    "registry:diary_samlingsakt": S(Area.DIARY, "department_year", change=True),
    "registry:diary_year_report_start": S(Area.YEAR_REPORT, redirects=True),
    "registry:diary_year_report": S(Area.YEAR_REPORT, "department_year"),
    "registry:diary_year_report_csv": S(Area.YEAR_REPORT, "department_year"),
    "registry:diary_year_report_pdf": S(Area.YEAR_REPORT, "department_year"),
    "registry:diary_document_classes": S(Area.DOCUMENT_CLASSES),
    "registry:diary_document_class_new": S(Area.DOCUMENT_CLASSES, change=True),
    "registry:diary_document_class_edit": S(Area.DOCUMENT_CLASSES, "document_class", change=True),
    "registry:diary_legal_hold": S(Area.DISPOSAL, "record_for_hold", change=True),
    "registry:diary_disposal": S(Area.DISPOSAL, change=True),
    "registry:diary_disposal_propose": P(Area.DISPOSAL),
    "registry:diary_disposal_batch": S(Area.DISPOSAL, "batch", change=True),
    "registry:diary_disposal_run": S(Area.DISPOSAL, "disposal_run", change=True),
    "registry:diary_disposal_approve": P(Area.DISPOSAL, "batch"),
    # reports
    "reports:statistics": S(Area.STATISTICS),
    "reports:yearly": S(Area.YEARLY_REPORT),
    "reports:yearly_csv": S(Area.YEARLY_REPORT),
    "reports:yearly_pdf": P(Area.YEARLY_REPORT),
    "reports:yearly_pdf_status": S(OWNED, "report_pdf", refused=404),
    "reports:yearly_pdf_download": S(OWNED, "report_pdf", refused=404),
    # Django's admin: staff only, behind its own login page.
    "admin": S("admin"),
    # sign-in: every signed-in person manages their own second step; the information unit the lockouts
    "signin:setup": S(LOGGED_IN),
    "signin:authenticator_add": S(LOGGED_IN),
    "signin:recovery_codes": P(LOGGED_IN),
    "signin:verify": S(LOGGED_IN),
    "signin:lockouts": S(Area.LOCKOUTS),
    "signin:lockout_lift": S("lockout_lift", "lockout"),
    "otp_webauthn:credential-registration-begin": S("webauthn_api"),
    "otp_webauthn:credential-registration-complete": S("webauthn_api"),
    "otp_webauthn:credential-authentication-begin": S("webauthn_api"),
    "otp_webauthn:credential-authentication-complete": S("webauthn_api"),
    "otp_webauthn:js-i18n-catalog": S(PUBLIC),
    # single sign-on is off unless configured
    "oidc_authentication_callback": S("oidc_off"),
    "oidc_authentication_init": S("oidc_off"),
    "oidc_logout": S("post_only_for_all"),
    "accessibility": S(PUBLIC),
    "accounts:credential_log": S("information_unit", "account"),
    "accounts:test_connection": P(Area.ACCOUNTS, "account", method_first=True),
    "moderation:platform_retry": P(Area.INBOX, "case"),
    "moderation:older_personal_data": S(Area.INBOX),
    # Meta's webhook: signed by the app secret, not by a login (none is configured in the tests)
    "meta_webhook": S("webhook"),
    "registry:diary_earchive": S(Area.DIARY),
    "registry:diary_earchive_order": P(Area.DIARY),
    "registry:diary_earchive_package": S(Area.DIARY, "earchive_package"),
    "registry:diary_earchive_status": S(Area.DIARY, "earchive_package"),
    "registry:diary_earchive_file": S(Area.DIARY, "earchive_package"),
    "registry:diary_exports": S(Area.DIARY),
    "registry:diary_export_order": P(Area.DIARY),
    "registry:diary_export_xml": S(Area.DIARY, "diary_export"),
    "registry:diary_export_csv": S(Area.DIARY, "diary_export"),
    "registry:diary_numbers_import": S(Area.DIARY),
    "archive:export_mask_suggestion": P(Area.EXPORTS, "export_item"),
    # monitoring
    "moderation:monitoring": S(Area.MONITORING),
    "moderation:watch_new": S(Area.MONITORING, change=True),
    "moderation:watch": S(Area.MONITORING, "watch", change=True),
    "moderation:hit": S(Area.MONITORING, "hit"),
    "moderation:hit_discuss": P(Area.MONITORING, "hit"),
    "moderation:hit_answer": P(Area.MONITORING, "hit"),
    "moderation:hit_respond": P(Area.MONITORING, "hit"),
    "moderation:hit_no_action": P(Area.MONITORING, "hit"),
    "moderation:hit_save_record": P(Area.MONITORING, "hit"),
    # the REST API, crawled here with a login; with a token a GET also writes the token's use log
    # (api_apitokenuse, and its last use), the one exception, checked in tests/api/test_api.py
    "api:schema": S(PUBLIC),
    "api:docs": S(PUBLIC),
    "api:tokens": S(Area.API_TOKENS, change=True),
    "api:public_accounts": S(PUBLIC),
    "api:records": S(Area.ARCHIVE, api=True),
    "api:record": S(Area.ARCHIVE, "record", api=True),
    "api:diary_cases": S(Area.DIARY, change=True, api=True),
    "api:diary_case": S(Area.DIARY, "diary_case", change=True, api=True),
    "api:statistics": S(Area.STATISTICS, api=True),
    # publishing
    "moderation:posts": S(Area.PUBLISHING),
    "moderation:post_new": S(Area.PUBLISHING, change=True),
    "moderation:post_calendar": S(Area.PUBLISHING),
    "moderation:post_review": S(OWNED, "post_review"),
    "moderation:post": S(Area.PUBLISHING, "post", change=True),
    "moderation:post_edit": S(Area.PUBLISHING, "post", change=True),
    "moderation:post_delete": S(Area.PUBLISHING, "post", change=True),
    "moderation:post_finding_confirm": P(Area.PUBLISHING, "post_finding"),
    "moderation:post_consent": P(Area.PUBLISHING, "post"),
    "moderation:post_send_review": P(Area.PUBLISHING, "post"),
    "moderation:post_publish": P(Area.PUBLISHING, "post"),
    "moderation:post_schedule": P(Area.PUBLISHING, "post"),
    "moderation:post_target_retry": P(Area.PUBLISHING, "post_target"),
    "moderation:post_target_manual": P(Area.PUBLISHING, "post_target"),
    "moderation:post_media": S(Area.PUBLISHING, "post_media", change=True),
    "moderation:post_media_public": S(PUBLIC, "post_media_public"),
}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                yield "admin", None, prefix + str(entry.pattern)
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith("demo-plattform/"):
                yield "demo", None, route
                continue
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, entry, route


def all_urls():
    """Every URL pattern of the project as (spec name, pattern, route); patterns without a name too."""
    return list(_walk(get_resolver().url_patterns))


# Write counters of the current transaction: every insert, update and delete on every table.
WRITES = "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
# Reads that are themselves the record the law asks for (who looked at which record or login
# detail), and Django's own session rows: written on a GET by design.
READ_LOGS = {"archive_accesslog", "accounts_credentialaccess", "django_session"}


def _writes():
    with connection.cursor() as cursor:
        cursor.execute(WRITES)
        return dict(cursor.fetchall())


@pytest.fixture
def world(org, settings):
    # The test settings' own media folder, which the session's Celery worker also writes: in the
    # browser walk (committed data) that worker renders the snapshot queued below and names its file.
    settings.DEMO_PLATFORM = False
    w = {}
    for side, account, department, head in (
        ("own", org.account, org.own, org.head),
        ("other", org.other_account, org.other, org.other_head),
    ):
        requester = org.alice if side == "own" else org.charlie
        admins = list(account.administrators.all())
        returned = submitted_request(
            actor=requester, department=department, administrators=admins, display_name=f"Tillbaka {side}"
        )
        account_services.account_decide(actor=head, account=returned, decision="return", comment="Mer.")
        case = open_case(account)
        record = case.record
        post, comments = make_thread(account, comments=1, at=datetime(2026, 3, 1, tzinfo=UTC))
        keeper = org.registrar if side == "own" else org.city_registrar
        diary_case = diary.diary_case_register(actor=keeper, record=post, title="Ärende")
        snapshot = diary_case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
        snapshot.file.save("s.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
        request = diary.registration_request(record=comments[0], reason="high_attention")
        make_thread(account, comments=1, at=datetime(2019, 1, 1, tzinfo=UTC))
        retention.retention_assign_missing()
        batch = retention.disposal_propose(department=department, cutoff=date(2026, 1, 1))
        source = archive_services.source_response_store(
            account=account,
            url=f"https://mastodon.example/api/v1/statuses/{side}",
            status=200,
            headers={"content-type": "application/json"},
            body=b'{"id": "1"}',
            fetched_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
        )
        sourced = archive_services.record_ingest(
            account=account,
            item=archive_services.IncomingItem(
                platform_id=f"sourced-{side}",
                kind="post",
                is_own=True,
                published_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                text="Snöröjningen börjar i natt.",
                author_name="Exempelby kommun",
                raw={"id": "1"},
            ),
            source=source,
        ).record
        media = archive_services.media_file_store(
            record=record,
            url=f"https://cdn.example/{side}.jpg",
            media_type="image",
            content=b"\xff\xd8 jpeg",
            content_type="image/jpeg",
        )
        export = archive_services.export_create(
            actor=keeper, request_reference=f"Begäran {side}", record_ids=[record.pk]
        )
        w[side] = {
            "account": [account.pk],
            "account_id": [account.pk],
            "returned_account": [returned.pk],
            "account_admin": [account.pk, admins[-1].pk],
            "account_action": [account.pk, "kontrollerad"],
            "case": [case.pk],
            "record": [record.pk],
            "record_pk": [record.pk],
            "record_for_hold": [post.pk],
            "record_source": [sourced.pk, source.pk],
            "record_media": [record.pk, media.pk],
            "export": [export.pk],
            "export_csv": [export.pk, "csv"],
            "export_item": [export.pk, export.items.first().pk],
            "request": [request.pk],
            "diary_case": [diary_case.pk],
            "snapshot": [snapshot.pk],
            "department_year": [department.pk, 2026],
            "batch": [batch.pk],
            "disposal_run": [
                DisposalRun.objects.create(
                    department=department, requested_by=keeper, cutoff=date(2026, 1, 1)
                ).pk
            ],
            "earchive_package": [_finished_package(account, side, keeper)],
            "diary_export": [_finished_diary_export(department, keeper)],
            **_watch_and_hit(department, requester),
            **_post(department, account, requester),
        }
        w[side, "department"] = department.pk
    # Per-person objects: a question forwarded to Hedda, a reply for her to review, Wilma's report PDF.
    case = open_case(org.account)
    forward = moderation_services.forward_create(
        actor=org.alice,
        case=case,
        question="Stämmer det?",
        due_on=date.today() + timedelta(days=3),
        to_user=org.head,
    )
    case2 = open_case(org.account)
    reply = moderation_services.reply_submit(actor=org.alice, case=case2, text="Hej!", reviewer=org.head)
    to_review = publishing.post_draft_save(
        actor=org.alice, department=org.own, accounts=[org.account], text="Isbanan öppnar i helgen."
    )
    publishing.post_send_for_review(actor=org.alice, draft=to_review, reviewer=org.head)
    report_pdf = ReportPdf.objects.create(
        year=2026, department=None, requested_by=org.web, status=ReportPdf.Status.DONE, pdf=b"%PDF-1.4"
    )
    shared = {
        "case_reply": [case2.pk, reply.pk],
        "case_forward": [case.pk, forward.pk],
        "forward_token": [forward.token],
        "reply_id": [reply.pk],
        "post_review": [to_review.pk],
        "report_pdf": [report_pdf.pk],
        "saved_reply": [SavedReply.objects.first().pk],
        "flag_rule": [FlagRule.objects.first().pk],
        "document_class": [DocumentClass.objects.first().pk],
        "lockout": [1],
    }
    for side in ("own", "other"):
        w[side].update(shared)
    w["owners"] = {
        "forward_token": org.head,
        "reply_id": org.head,
        "report_pdf": org.web,
        "post_review": org.head,
    }
    return w


def _watch_and_hit(department, person) -> dict:
    watch = Watch.objects.create(department=department, name="Skolan", terms="skolan", created_by=person)
    hit = MonitoringHit.objects.create(
        watch=watch,
        department=department,
        platform="rss",
        platform_id=f"hit-{department.pk}",
        text="Skolan i nyheterna",
        published_at=timezone.now(),
    )
    return {"watch": [watch.pk], "hit": [hit.pk]}


def _post(department, account, person) -> dict:
    draft = publishing.post_draft_save(
        actor=person,
        department=department,
        accounts=[account],
        text="Ring oss på 070-123 45 67 om isbanan.",
        media=[publishing.NewMedia("isbanan.jpg", "image/jpeg", b"\xff\xd8 jpeg", "Isbanan på torget")],
    )
    finding, target, media = draft.findings.get(), draft.targets.get(), draft.media.get()
    return {
        "post": [draft.pk],
        "post_finding": [draft.pk, finding.pk],
        "post_target": [draft.pk, target.pk],
        "post_media": [draft.pk, media.pk],
        "post_media_public": [publishing.post_media_public_url(media).rsplit("/", 2)[-2]],
    }


def _finished_package(account, side: str, keeper) -> int:
    package = EarchivePackage.objects.create(
        account=account,
        department=account.department,
        year=2026,
        objid=f"sip-{side}",
        created_by=keeper,
        created_at=timezone.now(),
        status=EarchivePackage.Status.DONE,
    )
    package.file.save(f"sip-{side}.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=True)
    return package.pk


def _finished_diary_export(department, keeper) -> int:
    from registry.diary_export import diary_export_build, diary_export_create

    export = diary_export_create(actor=keeper, department=department, year=2026)
    return diary_export_build(export_id=export.pk).pk


def _person(org, role):
    return None if role == "anonymous" else getattr(org, role)


def _reach(person, area, *, change):
    return max((role_scope(role, area, change=change) for role in roles_of(person)), default=Scope.NONE)


def expected(spec: Spec, person, org, world, obj_key) -> set[int]:
    """The outcomes the role table allows for a GET of this URL by this person."""
    if spec.area == PUBLIC:
        return {200}
    if spec.area == "health":
        return {200, 503}  # 503 while no worker answers; never a login or a refusal
    if spec.area == "set_language":
        return {302}
    if spec.area == "demo":
        return {404}
    if spec.area == "login":
        return {200} if person is None else {302}
    if spec.area == "admin":
        return {302}  # to the admin's own login: no test person is staff
    if spec.area == "webauthn_api":
        return {403} if person is None else {405}  # the passkey ceremony's JSON endpoints take POSTs
    if spec.area == "oidc_off":
        return {404}
    if spec.area == "post_only_for_all":
        return {405}
    if spec.area == "webhook":
        return {403}
    if spec.area == "lockout_lift":  # a POST; a GET by the information unit is sent back to the list
        if person is None:
            return {302}
        return {302} if _reach(person, Area.LOCKOUTS, change=True) != Scope.NONE else {403}
    if spec.area == "information_unit":
        if person is None:
            return {302}
        return {200} if Role.INFORMATION_UNIT in roles_of(person) else {403}
    if person is None:
        if spec.api:
            return {401}
        return {405} if spec.method_first else {302}
    if spec.post_only:
        return {405}
    if spec.area == LOGGED_IN:
        return {200}
    if spec.area == OWNED:
        return {200} if world["owners"][obj_key] == person else {spec.refused}
    reach = _reach(person, spec.area, change=spec.change)
    allowed = {302, 200} if spec.redirects else {200}
    if reach == Scope.NONE:
        return {403}
    if reach == Scope.MUNICIPALITY or obj_key is None or obj_key in world["owners"]:
        return allowed
    if obj_key in ("saved_reply", "flag_rule", "document_class"):
        return allowed  # shared by the whole municipality
    department = world[spec.own_side, "department"]
    if reach == Scope.DEPARTMENT:
        return allowed if person.department_id == department else {403}
    # ADMINISTERED: the accounts the person administers.
    account_pk = world[spec.own_side]["account"][0]
    return allowed if person.has_perm("accounts.manage_credentials", _account(account_pk)) else {403}


def _account(pk):
    from accounts.models import ServiceAccount

    return ServiceAccount.objects.get(pk=pk)


def _url(name, pattern, route, args):
    if name == "admin":
        return "/" + route
    if name == "demo":
        return "/demo-plattform/api/v1/accounts/lookup"
    if name == "set_language":
        return reverse("set_language")
    return reverse(name, args=args)


def test_every_url_has_an_expected_outcome():
    missing = sorted({name or route for name, _pattern, route in all_urls() if name not in SPECS})
    assert not missing, f"URLs without an entry in SPECS (add one from the role table): {missing}"
    stale = sorted(set(SPECS) - {name for name, _p, _r in all_urls()})
    assert not stale, f"SPECS names no URL: {stale}"


def test_the_write_counter_sees_every_kind_of_write(org):
    """The crawl's measure: an insert, an update and a delete each show in the counters."""
    from accounts.models import Department

    before = _writes()
    department = Department.objects.create(name="Provförvaltningen", series_code="PROV")
    Department.objects.filter(pk=department.pk).update(name="Prov")
    Department.objects.filter(pk=department.pk).delete()
    assert _writes()["accounts_department"] - before.get("accounts_department", 0) == 3


@pytest.mark.parametrize("role", ROLES)
def test_role_url_matrix_and_no_get_writes(client, org, world, role):
    person = _person(org, role)
    if person is not None:
        client.force_login(person)
    client.get("/")  # the session settles before counting
    wrong, writes = [], []
    seen = set()
    for name, pattern, route in all_urls():
        spec = SPECS[name]
        key = name if name in ("admin", "demo") else (name, route)
        if key in seen:
            continue
        seen.add(key)
        for side in ("own", "other") if spec.obj else ("own",):
            args = world[side].get(spec.obj, []) if spec.obj else []
            spec_for_side = Spec(**{**spec.__dict__, "own_side": side})
            url = _url(name, pattern, route, args)
            before = _writes()
            response = client.get(url)
            after = _writes()
            changed = {t for t, n in after.items() if n != before.get(t, 0)} - READ_LOGS
            if changed:
                writes.append((url, sorted(changed)))
            allowed = expected(spec_for_side, person, org, world, spec.obj)
            status = response.status_code
            if (
                status == 302
                and person is None
                and 302 in allowed
                and spec.area not in ("set_language", "admin")
            ):
                if not response["Location"].startswith(reverse("login")):
                    wrong.append((url, status, allowed, response["Location"]))
                continue
            if status not in allowed:
                wrong.append((url, status, sorted(allowed)))
    assert not wrong, f"{role}: outcomes that differ from the role table: {wrong}"
    assert not writes, f"{role}: a GET wrote to these tables: {writes}"


def test_readme_shows_the_role_table_of_the_code():
    from pathlib import Path

    from accounts.roles import access_table_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert access_table_markdown() in readme


@pytest.mark.parametrize("role", ROLES[1:])
def test_navigation_lists_exactly_what_the_role_may_open(client, org, role):
    from accounts.context_processors import NAVIGATION

    client.force_login(getattr(org, role))
    shown = {item["url"] for item in client.get(reverse("dashboard")).context["navigation"]}
    for name, _label, _area in NAVIGATION:
        url = reverse(name)
        opens = client.get(url).status_code in (200, 302)
        assert (url in shown) == opens, (role, url, "shown" if url in shown else "not shown")
