"""Publishing the municipality's own posts: screened (F13/N23), consent before the fact (F15), reviewed
(N5), only from the department's active accounts with the text as written (F5), archived at once as
the record the harvest later finds (N20), scheduled, held and published by hand.

The platform is a Mastodon instance served from the recorded payloads by a real local HTTP server
(tests/harvest/conftest.py) that also takes uploads and posts the way Mastodon does."""

import html
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import crypto
from accounts.models import AccountState, Credential
from archive.models import Record, SourceResponse
from harvest.services import harvest_account
from moderation import publishing, selectors
from moderation.models import PhotoConsent, PostDraft, PostEvent, PostTarget
from platforms.mastodon import MastodonConnector
from tests.factories import ServiceAccountFactory, UserFactory
from tests.harvest.conftest import ACCOUNT_ID, MastodonServer

PERSONNUMMER = "19811218-9876"
JPEG = b"\xff\xd8\xff\xe0" + b"isbanan" * 64
TEXT = "Nu öppnar isbanan på torget! Välkomna i helgen."
POSTED_AT = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)


class Instance(MastodonServer):
    """The recorded instance, which also takes photos and posts: each posted status is said back as
    Mastodon says it and shows in the account's listing, where the harvest will find it."""

    def __init__(self, httpserver):
        super().__init__(httpserver)
        self.posted: list[dict] = []
        self.uploads: list[dict] = []
        self.refuse: list = []  # responses to give to the next posts instead

    def handle(self, request):
        if request.method == "POST" and request.path == "/api/v2/media":
            upload = request.files["file"]
            attachment = self.load("media_uploaded.json")
            attachment["id"] = str(113530090000000100 + len(self.uploads))
            attachment["description"] = request.form["description"]
            attachment["url"] = f"{self.base_url}/cdn/{attachment['id']}.jpg"
            self.uploads.append({"attachment": attachment, "data": upload.read()})
            return self.json(attachment)
        if request.method == "POST" and request.path == "/api/v1/statuses":
            if self.refuse:
                return self.refuse.pop(0)
            return self.json(self.post(request.form["status"], request.form.getlist("media_ids[]")))
        return super().handle(request)

    def post(self, text: str, media_ids: list[str]) -> dict:
        status = self.load("posted_status.json")
        status["id"] = str(113530100000000021 + len(self.posted))
        status["created_at"] = POSTED_AT.isoformat().replace("+00:00", "Z")
        status["url"] = f"https://mastodon.social/@norrvikskommun/{status['id']}"
        status["uri"] = f"https://mastodon.social/users/norrvikskommun/statuses/{status['id']}"
        status["content"] = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n"))
        status["media_attachments"] = [
            upload["attachment"] for upload in self.uploads if upload["attachment"]["id"] in media_ids
        ]
        self.posted.append(status)
        self.statuses[0].insert(0, status)
        return status


def point_at(account, instance: Instance) -> None:
    account.platform, account.platform_id, account.handle = "mastodon", ACCOUNT_ID, "norrvikskommun"
    account.api_base_url = instance.base_url
    account.save()
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("tok"))


@pytest.fixture
def instance(org, httpserver, media_root):
    instance = Instance(httpserver)
    point_at(org.account, instance)
    return instance


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(alt="Isbanan på torget i kvällsljus, inga personer"):
    return publishing.NewMedia("isbanan.jpg", "image/jpeg", JPEG, alt)


def compose(org, *, text=TEXT, accounts=None, **kwargs) -> PostDraft:
    return publishing.post_draft_save(
        actor=org.alice, department=org.own, accounts=accounts or [org.account], text=text, **kwargs
    )


def approve(org, draft: PostDraft) -> PostDraft:
    publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=org.bob)
    publishing.post_review(actor=org.bob, draft=draft, approve=True, note="Bra!")
    draft.refresh_from_db()
    return draft


def publish(org, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        publishing.post_publish_now(actor=org.alice, draft=draft)
    # The tasks queued after commit, run here in the test's own process.
    for target in draft.targets.all():
        publishing.post_target_publish_run(target_id=target.pk)
    draft.refresh_from_db()
    return callbacks


def test_n23_a_draft_with_a_personal_identity_number_cannot_be_published_until_confirmed(
    org, instance, django_capture_on_commit_callbacks
):
    draft = compose(org, text=f"Vinnaren är Eva ({PERSONNUMMER}), grattis!")

    (finding,) = draft.findings.all()
    assert finding.kind == "personal_id" and finding.matched == PERSONNUMMER
    with pytest.raises(ValidationError) as refused:
        publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=org.bob)
    assert "personuppgifter eller något som kan vara sekretess" in refused.value.messages[0]
    assert draft.state == PostDraft.State.DRAFT

    publishing.post_finding_confirm(actor=org.alice, finding=finding)

    finding.refresh_from_db()
    assert finding.confirmed_by == org.alice and finding.confirmed_at is not None
    logged = PostEvent.objects.get(draft=draft, action=PostEvent.Action.FINDING_CONFIRMED)
    assert logged.actor == org.alice and PERSONNUMMER in logged.note
    approve(org, draft)
    publish(org, draft, django_capture_on_commit_callbacks)
    assert draft.state == PostDraft.State.PUBLISHED
    assert PERSONNUMMER in instance.posted[0]["content"]


def test_n23_a_finding_removed_from_the_text_no_longer_holds_the_draft(org, instance):
    draft = compose(org, text="Ring 070-123 45 67 eller mejla eva.invanare@example.se om priset.")
    assert sorted(draft.findings.values_list("kind", flat=True)) == ["email", "phone"]

    draft = publishing.post_draft_save(
        actor=org.alice, draft=draft, department=org.own, accounts=[org.account], text="Hör av er om priset."
    )

    assert not draft.findings.exists()
    publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=org.bob)  # not refused


def test_n23_secret_looking_content_is_found_in_every_account_text(org, instance):
    second = ServiceAccountFactory(department=org.own, admins=[org.alice, org.bob])
    draft = compose(
        org,
        accounts=[org.account, second],
        texts={second.pk: "Barnet har skyddad identitet och bor i familjehemsplacering."},
    )

    assert {f.kind for f in draft.findings.all()} == {"ground"}
    assert publishing.publish_blockers(draft, for_review=True)


def test_f15_an_image_post_without_consent_cannot_be_published(
    org, instance, django_capture_on_commit_callbacks
):
    draft = approve(org, compose(org, media=[photo()]))

    with pytest.raises(ValidationError) as refused:
        publishing.post_publish_now(actor=org.alice, draft=draft)
    assert "samtyckt" in refused.value.messages[0] and "(F15)" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        publishing.post_schedule(actor=org.alice, draft=draft, publish_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):  # consent, but not where it is kept
        publishing.post_consent_answer(actor=org.alice, draft=draft, answer="consent")
    assert not instance.posted

    publishing.post_consent_answer(
        actor=org.alice, draft=draft, answer="consent", note="Blankett i ärende BUN 2026/112"
    )
    publish(org, draft, django_capture_on_commit_callbacks)

    (target,) = draft.targets.all()
    assert target.state == PostTarget.State.PUBLISHED
    assert instance.uploads[0]["data"] == JPEG
    assert instance.uploads[0]["attachment"]["description"] == "Isbanan på torget i kvällsljus, inga personer"
    # The archived post carries the consent note, so the after-the-fact list no longer lists it.
    note = PhotoConsent.objects.get(record=target.record)
    assert note.answer == "consent" and note.note == "Blankett i ärende BUN 2026/112"
    assert note.noted_by == org.alice
    assert target.record.media and target.record not in selectors.photos_awaiting_consent(user=org.alice)


def test_f15_a_photo_needs_its_description(org, instance):
    with pytest.raises(ValidationError) as refused:
        compose(org, media=[photo(alt="  ")])
    assert "alt-text" in refused.value.messages[0]
    assert not PostDraft.objects.exists()


def test_n5_a_post_needs_an_approval_and_an_edit_after_it_a_new_one(
    org, instance, django_capture_on_commit_callbacks
):
    draft = compose(org)
    with pytest.raises(ValidationError) as refused:
        publishing.post_publish_now(actor=org.alice, draft=draft)
    assert "godkänt inlägg" in refused.value.messages[0]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=org.bob)
    (asked,) = mail.outbox
    assert asked.to == [org.bob.email] and f"/inkorg/publicera/granska/{draft.pk}/" in asked.body
    with pytest.raises(PermissionDenied):  # only the named reviewer
        publishing.post_review(actor=org.head, draft=draft, approve=True)
    with pytest.raises(ValidationError):  # returning needs a comment
        publishing.post_review(actor=org.bob, draft=draft, approve=False)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.post_review(actor=org.bob, draft=draft, approve=False, note="Skriv när banan stänger.")
    draft.refresh_from_db()
    assert draft.state == PostDraft.State.RETURNED and not draft.is_approved
    assert mail.outbox[-1].to == [org.alice.email] and "Skriv när banan stänger." in mail.outbox[-1].body

    draft = publishing.post_draft_save(
        actor=org.alice,
        draft=draft,
        department=org.own,
        accounts=[org.account],
        text=f"{TEXT} Öppet till 21.",
    )
    draft = approve(org, draft)
    assert draft.is_approved and draft.approved_by == org.bob

    # Any edit after the approval needs a new one.
    draft = publishing.post_draft_save(
        actor=org.alice,
        draft=draft,
        department=org.own,
        accounts=[org.account],
        text=f"{TEXT} Öppet till 22.",
    )
    assert draft.state == PostDraft.State.DRAFT and not draft.is_approved
    with pytest.raises(ValidationError):
        publishing.post_publish_now(actor=org.alice, draft=draft)
    actions = list(draft.events.values_list("action", flat=True))
    assert actions.count("approved") == 1 and "returned" in actions and actions.count("edited") == 2


def test_n5_the_reviewer_is_a_colleague_of_the_department(org, instance):
    draft = compose(org)
    for wrong in (org.alice, org.charlie):  # the author, and someone of another department
        with pytest.raises(ValidationError):
            publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=wrong)
    publishing.post_send_for_review(actor=org.alice, draft=draft, reviewer=org.registrar)  # an expert


def test_f5_only_the_departments_active_accounts_can_be_chosen_and_the_text_is_published_unaltered(
    org, instance, django_capture_on_commit_callbacks
):
    paused = ServiceAccountFactory(department=org.own, admins=[org.alice, org.bob], state=AccountState.PAUSED)
    for wrong in (org.other_account, paused):
        with pytest.raises(ValidationError) as refused:
            compose(org, accounts=[org.account, wrong])
        assert "endast förvaltningens registrerade aktiva konton" in refused.value.messages[0]
    with pytest.raises(PermissionDenied):  # a communicator composes for their own department only
        publishing.post_draft_save(actor=org.charlie, department=org.own, accounts=[org.account], text=TEXT)

    text = "Isbanan öppnar!\n\nVälkomna  i helgen 🎉"
    draft = approve(org, compose(org, text=text, link="https://www.norrvik.se/isbanan"))
    publish(org, draft, django_capture_on_commit_callbacks)

    request = next(
        r for r, _ in instance.httpserver.log if r.method == "POST" and r.path == "/api/v1/statuses"
    )
    assert request.form["status"] == f"{text}\n\nhttps://www.norrvik.se/isbanan"  # no signature, no change
    assert "Authorization" in request.headers


def test_f5_a_text_over_the_platforms_limit_is_refused_per_account(org, instance):
    with pytest.raises(ValidationError) as refused:
        compose(org, text="Isbanan " * 70)
    assert "Mastodon tar högst 500" in refused.value.messages[0]


def test_n20_a_published_post_is_archived_once(org, instance, django_capture_on_commit_callbacks):
    harvest_account(account_id=org.account.pk)
    draft = approve(org, compose(org))
    publish(org, draft, django_capture_on_commit_callbacks)

    (posted,) = instance.posted
    (target,) = draft.targets.all()
    record = Record.objects.get(platform="mastodon", platform_id=posted["id"])
    assert target.record == record and target.permalink == posted["url"]
    # Drawn up when published, from the platform's answer, as the account's own post.
    assert record.is_own and record.kind == "post" and record.published_at == POSTED_AT
    assert record.text == f"<p>{TEXT}</p>"
    assert record.source.method == "POST" and json.loads(bytes(record.source.body))["id"] == posted["id"]
    assert draft.reviewer == org.bob and draft.approved_by == org.bob

    harvest_account(account_id=org.account.pk)

    assert Record.objects.filter(platform="mastodon", platform_id=posted["id"]).count() == 1
    record.refresh_from_db()
    assert record.version_count == 1 and record.last_seen_at > record.first_seen_at
    assert SourceResponse.objects.filter(method="POST").count() == 1


def test_a_task_run_twice_posts_once(org, instance, django_capture_on_commit_callbacks):
    """A worker that died after the platform's answer and before the commit: the task runs again,
    the connector finds the post already on the account and the archive has it once."""
    draft = approve(org, compose(org))
    with django_capture_on_commit_callbacks():
        publishing.post_publish_now(actor=org.alice, draft=draft)
    target = draft.targets.get()
    connector = MastodonConnector(
        base_url=instance.base_url, platform_id=ACCOUNT_ID, credentials={"access_token": "tok"}
    )
    connector.publish_post(target.text, key=publishing.publish_key(target))  # the answer lost

    publishing.post_target_publish_run(target_id=target.pk)
    publishing.post_target_publish_run(target_id=target.pk)

    assert len(instance.posted) == 1
    target.refresh_from_db()
    assert target.state == PostTarget.State.PUBLISHED
    assert Record.objects.filter(platform_id=instance.posted[0]["id"]).count() == 1


def test_a_held_scheduled_post_says_why_and_is_published_once_the_account_is_fit(
    org, instance, django_capture_on_commit_callbacks
):
    draft = approve(org, compose(org))
    publishing.post_schedule(actor=org.alice, draft=draft, publish_at=timezone.now() + timedelta(hours=2))
    org.account.state = AccountState.PAUSED
    org.account.save(update_fields=["state"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False):
        assert publishing.posts_release_due(now=timezone.now() + timedelta(hours=3)) == 1
    target = draft.targets.get()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.post_target_publish_run(target_id=target.pk)

    target.refresh_from_db()
    assert target.state == PostTarget.State.HELD and not instance.posted
    assert "är pausat" in target.held_reason
    assert target.held_reason.startswith("Hålls inne:")
    assert {org.alice.email} <= {address for m in mail.outbox for address in m.to}
    days = publishing.post_calendar(
        user=org.alice, year=target.draft.publish_at.year, month=target.draft.publish_at.month
    )
    assert any(entry.target == target for entries in days.values() for entry in entries)

    org.account.state = AccountState.ACTIVE
    org.account.save(update_fields=["state"])
    with django_capture_on_commit_callbacks():
        publishing.post_target_retry(actor=org.alice, target=target)
    publishing.post_target_publish_run(target_id=target.pk)
    target.refresh_from_db()
    assert target.state == PostTarget.State.PUBLISHED and len(instance.posted) == 1


def test_a_post_on_an_account_short_of_administrators_or_needing_reconnection_is_held(
    org, instance, django_capture_on_commit_callbacks
):
    lone = ServiceAccountFactory(department=org.own, admins=[org.alice])
    draft = approve(org, compose(org, accounts=[org.account, lone]))
    Credential.objects.filter(account=org.account).update(ciphertext=crypto.encrypt("revoked"))
    instance.refuse.append(instance.json({"error": "The access token is invalid"}, status=401))

    publish(org, draft, django_capture_on_commit_callbacks)

    reasons = {t.account_id: t.held_reason for t in draft.targets.all()}
    assert all(t.state == PostTarget.State.HELD for t in draft.targets.all())
    assert "färre än två aktiva administratörer" in reasons[lone.pk]
    assert "behöver anslutas på nytt" in reasons[org.account.pk]
    assert draft.state == PostDraft.State.PUBLISHING and not instance.posted


def test_a_failed_publish_keeps_the_detail_and_can_be_retried(
    org, instance, django_capture_on_commit_callbacks
):
    draft = approve(org, compose(org))
    instance.refuse.append(instance.json({"error": "Validation failed: Text is too long"}, status=422))

    publish(org, draft, django_capture_on_commit_callbacks)

    target = draft.targets.get()
    assert target.state == PostTarget.State.FAILED and "Text is too long" in target.error
    with django_capture_on_commit_callbacks():
        publishing.post_target_retry(actor=org.alice, target=target)
    publishing.post_target_publish_run(target_id=target.pk)
    target.refresh_from_db()
    assert target.state == PostTarget.State.PUBLISHED


def test_a_platform_that_cannot_publish_gives_the_text_to_publish_by_hand(
    org, instance, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(MastodonConnector, "publishes_posts", False)
    draft = approve(org, compose(org))

    with django_capture_on_commit_callbacks() as callbacks:
        publishing.post_publish_now(actor=org.alice, draft=draft)

    target = draft.targets.get()
    assert target.state == PostTarget.State.MANUAL and not callbacks and not instance.posted
    with pytest.raises(ValidationError):
        publishing.post_target_record_manual(actor=org.alice, target=target, permalink="inte en länk")
    publishing.post_target_record_manual(
        actor=org.alice, target=target, permalink="https://mastodon.social/@norrvikskommun/1"
    )
    target.refresh_from_db()
    draft.refresh_from_db()
    assert target.state == PostTarget.State.PUBLISHED_BY_HAND and draft.state == PostDraft.State.PUBLISHED


def test_a_published_post_cannot_be_changed_or_deleted_and_a_draft_can_be_deleted(
    org, instance, django_capture_on_commit_callbacks
):
    draft = approve(org, compose(org))
    publish(org, draft, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        publishing.post_draft_delete(actor=org.alice, draft=draft)
    with pytest.raises(ValidationError):
        publishing.post_draft_save(
            actor=org.alice, draft=draft, department=org.own, accounts=[org.account], text="x"
        )

    other = compose(org, media=[photo()])
    with pytest.raises(PermissionDenied):
        publishing.post_draft_delete(actor=org.charlie, draft=other)
    publishing.post_draft_delete(actor=org.alice, draft=other)
    assert not PostDraft.objects.filter(pk=other.pk).exists()


def test_the_web_communicator_composes_for_any_department_and_a_head_not_at_all(org, instance):
    web_draft = publishing.post_draft_save(
        actor=org.web, department=org.own, accounts=[org.account], text=TEXT
    )
    assert web_draft.department == org.own
    with pytest.raises(PermissionDenied):
        publishing.post_draft_save(actor=org.head, department=org.own, accounts=[org.account], text=TEXT)
    assert UserFactory  # the factory is the one the org fixture uses


def test_a_platform_that_fetches_photos_itself_gets_a_signed_address_serving_only_that_photo(
    org, instance, client, settings
):
    """Instagram takes a post's photos from an address, not as an upload: each photo is offered at a
    signed address that needs no login, serves the photo exactly, and nothing once changed or old."""
    draft = compose(org, media=[photo()])
    upload = publishing._uploads(draft)[0]
    assert upload.public_url.startswith(settings.SITE_URL)
    path = upload.public_url[len(settings.SITE_URL) :]
    served = client.get(path)
    assert served.status_code == 200 and b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"
    assert client.get(path.replace("/bild/", "/bild/x")).status_code == 404
    settings.SMGOV_POST_MEDIA_URL_HOURS = 0
    assert client.get(path).status_code == 404
