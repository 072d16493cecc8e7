"""Publishing the municipality's own posts: compose, screen, consent, review, publish or schedule.

A draft goes to one or more of its department's active service accounts (F5), each with its own
text within that platform's limit. Before it can be sent for review or published its text is
screened by the same detectors as incoming comments (F13/N23, F14): each finding is removed from the
text or confirmed by the author, and the confirmation is logged. A photo or video needs the consent
answer first (F15). A named colleague or expert approves it (N5); an edit after the approval needs a
new one. Only then is it published now or at a time, one task per account; the platform's answer is
archived at once as the drawn-up record it is (N20), through the same upsert the harvest uses, and
carries the consent note. A scheduled post whose account is not fit to publish is held with a
message saying why; where a platform cannot publish through its API the post is published by hand.

Writes take the acting person, check the permission policy and write a ``PostEvent`` in the same
transaction; reads are the functions under "Reads" at the end.
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountState, Department, Platform, ServiceAccount, User
from archive import services as archive_services
from platforms.base import ConnectorError, CredentialsInvalid, NotSupported, Published, Upload
from smgov.lib.mail import mail_after_commit
from smgov.lib.notify import Notice, notify

from . import permissions, platform, selectors
from .flags import FlagKind, flag_text
from .models import (
    PERSONAL_DATA_KINDS,
    PhotoConsent,
    PostDraft,
    PostEvent,
    PostFinding,
    PostMedia,
    PostTarget,
)

logger = logging.getLogger(__name__)

Action = PostEvent.Action
State = PostDraft.State
TargetState = PostTarget.State

# What the screening holds a draft for: personal data and what looks secret or unlawful. Links are
# the municipality's own to give, and photos have their own question (consent).
SCREENED_KINDS = frozenset({*PERSONAL_DATA_KINDS, FlagKind.GROUND.value})
MEDIA_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime", "video/webm"}
)
MAX_MEDIA_BYTES = 200 * 1024 * 1024
MIN_ADMINISTRATORS = 2
EDITABLE = (State.DRAFT, State.IN_REVIEW, State.RETURNED, State.APPROVED, State.SCHEDULED)
WAITING_TARGETS = (TargetState.WAITING, TargetState.SCHEDULED)


@dataclass(frozen=True)
class NewMedia:
    filename: str
    content_type: str
    data: bytes
    alt_text: str


def _event(draft: PostDraft, actor, action: str, note: str = "", target: PostTarget | None = None) -> None:
    PostEvent.objects.create(draft=draft, target=target, actor=actor, action=action, note=note)


def _url(name: str, pk: int) -> str:
    return settings.SITE_URL + reverse(name, args=[pk])


def _locked(draft: PostDraft) -> PostDraft:
    return PostDraft.objects.select_for_update(of=("self",)).select_related("department").get(pk=draft.pk)


def _require_handler(actor, draft: PostDraft) -> None:
    if not permissions.can_handle_post(actor, draft):
        raise PermissionDenied


# --- text, limits and screening ------------------------------------------------------------------------


def published_text(text: str, link: str = "") -> str:
    """What a platform counts: the text, and the link after it where the text does not have it
    (platforms without a link field put it there; for the others this counts on the safe side)."""
    text, link = text.strip(), link.strip()
    if not link or link in text:
        return text
    return f"{text}\n\n{link}" if text else link


def post_limit(account: ServiceAccount) -> tuple[int, str]:
    """The longest post the account's platform takes and how it counts."""
    cls = platform.connector_class(account.platform)
    return (cls.post_limit, cls.count_unit) if cls else (8000, "characters")


def media_limit(account: ServiceAccount) -> int:
    cls = platform.connector_class(account.platform)
    return cls.post_media_limit if cls else 0


def publishes_through_api(account: ServiceAccount) -> bool:
    cls = platform.connector_class(account.platform)
    return bool(cls and cls.publishes_posts)


def _too_long(account: ServiceAccount, text: str, link: str) -> str:
    limit, _unit = post_limit(account)
    length = platform.reply_length(account.platform, published_text(text, link))
    if length <= limit:
        return ""
    return _(
        "The text for %(account)s is %(length)s characters; %(platform)s takes at most %(limit)s. "
        "Shorten it by %(over)s."
    ) % {
        "account": account.display_name,
        "length": length,
        "platform": Platform(account.platform).label,
        "limit": limit,
        "over": length - limit,
    }


def screen_text(text: str):
    """The findings of the inbox's detectors in a text to be published (F13/N23, F14)."""
    flags = flag_text(text, rules=selectors.active_flag_rules())
    return [flag for flag in flags if flag.kind.value in SCREENED_KINDS]


def _rescreen(draft: PostDraft) -> None:
    """Screen every text of the draft again. A finding still in the text keeps its confirmation;
    one removed from the text is gone."""
    texts = [draft.text, *(target.text for target in draft.targets.all())]
    found = {}
    for text in texts:
        for flag in screen_text(text):
            found.setdefault((flag.kind.value, flag.matched), flag)
    kept = {(f.kind, f.matched): f for f in draft.findings.all()}
    for key, finding in kept.items():
        if key not in found:
            finding.delete()
    PostFinding.objects.bulk_create(
        PostFinding(
            draft=draft,
            kind=flag.kind.value,
            ground=flag.ground.value if flag.ground else "",
            matched=flag.matched,
            explanation=flag.explanation,
        )
        for key, flag in found.items()
        if key not in kept
    )


def publish_blockers(draft: PostDraft, *, for_review: bool = False) -> list[str]:
    """Why the draft cannot be sent for review (``for_review``) or published yet, in words."""
    problems = []
    open_findings = draft.findings.filter(confirmed_at__isnull=True).count()
    if open_findings:
        problems.append(
            _(
                "The screening found personal data or something that may be secret (%(count)s). Remove it "
                "from the text, or confirm each finding as fit to publish."
            )
            % {"count": open_findings}
        )
    if for_review:
        return problems
    if draft.media.exists() and not draft.consent:
        problems.append(
            _(
                "The post has a photo or video: say first whether those recognisable in it have consented "
                "(and where the consent is kept) or that no one is recognisable (F15)."
            )
        )
    if not draft.is_approved:
        problems.append(
            _("The post needs a reviewer's approval of this version before it is published (N5).")
        )
    return problems


# --- composing ---------------------------------------------------------------------------------------


def _check_accounts(department: Department, accounts: list[ServiceAccount]) -> None:
    """F5: only the department's registered service accounts that are active."""
    if not accounts:
        raise ValidationError(_("Choose at least one account to publish on."))
    for account in accounts:
        if account.department_id != department.pk or account.state != AccountState.ACTIVE:
            raise ValidationError(
                _(
                    "%(account)s is not an active account of %(department)s; only the department's "
                    "registered active accounts can publish."
                )
                % {"account": account.display_name, "department": department}
            )


def _check_media(media: list[NewMedia], kept: int, accounts: list[ServiceAccount]) -> None:
    for item in media:
        if item.content_type not in MEDIA_TYPES:
            raise ValidationError(
                _(
                    "%(file)s is not a photo or video that can be published (JPEG, PNG, GIF, WebP, MP4, MOV, WebM)."
                )
                % {"file": item.filename}
            )
        if len(item.data) > MAX_MEDIA_BYTES:
            raise ValidationError(_("%(file)s is larger than 200 MB.") % {"file": item.filename})
        if not item.alt_text.strip():
            raise ValidationError(
                _("Describe %(file)s for those who cannot see it (alt text).") % {"file": item.filename}
            )
    total = kept + len(media)
    for account in accounts:
        limit = media_limit(account)
        if publishes_through_api(account) and total > limit:
            raise ValidationError(
                _("%(account)s takes at most %(limit)s photos or videos in one post.")
                % {"account": account.display_name, "limit": limit}
            )


@transaction.atomic
def post_draft_save(
    *,
    actor: User,
    department: Department,
    accounts: list[ServiceAccount],
    text: str,
    texts: dict[int, str] | None = None,
    link: str = "",
    media: list[NewMedia] | None = None,
    alt_texts: dict[int, str] | None = None,
    remove_media: set[int] | None = None,
    draft: PostDraft | None = None,
) -> PostDraft:
    """Save a new draft or change one. Any change after a review or an approval makes it a draft
    again that needs a new approval; a scheduled post is no longer scheduled."""
    texts, media, alt_texts, remove_media = texts or {}, media or [], alt_texts or {}, remove_media or set()
    if draft is not None:
        _require_handler(actor, draft)
        draft = _locked(draft)
        if draft.state not in EDITABLE:
            raise ValidationError(_("A post being published or published cannot be changed."))
        department = draft.department
    elif not permissions.can_compose_for(actor, department.pk):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the text of the post."))
    _check_accounts(department, accounts)
    link = link.strip()
    own_texts = {account.pk: (texts.get(account.pk) or "").strip() or text for account in accounts}
    problems = [p for a in accounts if (p := _too_long(a, own_texts[a.pk], link))]
    if problems:
        raise ValidationError(problems)
    kept = draft.media.exclude(pk__in=remove_media).count() if draft else 0
    _check_media(media, kept, accounts)
    for pk, alt in alt_texts.items():
        if pk not in remove_media and not alt.strip():
            raise ValidationError(_("Every photo and video needs its description (alt text)."))
    if draft is None:
        draft = PostDraft.objects.create(department=department, author=actor, text=text, link=link)
        action = Action.CREATED
    else:
        draft.text, draft.link = text, link
        draft.version += 1
        if draft.state != State.DRAFT:
            draft.state = State.DRAFT
        draft.publish_at = None
        draft.save(update_fields=["text", "link", "version", "state", "publish_at", "updated_at"])
        action = Action.EDITED
    draft.targets.exclude(account__in=accounts).delete()
    for account in accounts:
        PostTarget.objects.update_or_create(
            draft=draft,
            account=account,
            defaults={"text": own_texts[account.pk], "state": TargetState.WAITING, "held_reason": ""},
        )
    for item in draft.media.filter(pk__in=remove_media):
        item.file.delete(save=False)
        item.delete()
    for item in draft.media.filter(pk__in=alt_texts):
        item.alt_text = alt_texts[item.pk].strip()
        item.save(update_fields=["alt_text"])
    for item in media:
        row = PostMedia(
            draft=draft,
            filename=item.filename[:255],
            content_type=item.content_type,
            size=len(item.data),
            alt_text=item.alt_text.strip(),
        )
        row.file.save(item.filename[-100:], ContentFile(item.data), save=False)
        row.save()
    if not draft.media.exists() and draft.consent:
        draft.consent, draft.consent_note, draft.consent_by, draft.consent_at = "", "", None, None
        draft.save(update_fields=["consent", "consent_note", "consent_by", "consent_at"])
    _rescreen(draft)
    _event(draft, actor, action, _("version %(version)s") % {"version": draft.version})
    return draft


@transaction.atomic
def post_draft_delete(*, actor: User, draft: PostDraft) -> None:
    _require_handler(actor, draft)
    draft = _locked(draft)
    if (
        draft.state in (State.PUBLISHING, State.PUBLISHED)
        or draft.targets.filter(state__in=[TargetState.PUBLISHED, TargetState.PUBLISHED_BY_HAND]).exists()
    ):
        raise ValidationError(_("A post that has been published is kept; it cannot be deleted."))
    for item in draft.media.all():
        item.file.delete(save=False)
    logger.info("post draft %s deleted by %s", draft.pk, actor.pk)
    draft.delete()


@transaction.atomic
def post_finding_confirm(*, actor: User, finding: PostFinding) -> None:
    """F13/N23: the author (or a colleague of the department) confirms that what the screening
    found may be published; who and when is logged."""
    _require_handler(actor, finding.draft)
    draft = _locked(finding.draft)
    finding = PostFinding.objects.select_for_update().get(pk=finding.pk)
    if finding.confirmed_at is not None:
        raise ValidationError(_("The finding has already been confirmed."))
    if draft.state not in EDITABLE:
        raise ValidationError(_("A post being published or published cannot be changed."))
    finding.confirmed_by, finding.confirmed_at = actor, timezone.now()
    finding.save(update_fields=["confirmed_by", "confirmed_at"])
    _event(draft, actor, Action.FINDING_CONFIRMED, f"{finding.get_kind_display()}: {finding.matched}")


@transaction.atomic
def post_consent_answer(*, actor: User, draft: PostDraft, answer: str, note: str = "") -> None:
    """F15, before the fact: whether those recognisable in the photos consented (and where the
    consent is kept) or that no one is recognisable."""
    _require_handler(actor, draft)
    draft = _locked(draft)
    if draft.state not in EDITABLE:
        raise ValidationError(_("A post being published or published cannot be changed."))
    if not draft.media.exists():
        raise ValidationError(_("The post has no photo or video."))
    if answer not in (PostDraft.Consent.CONSENT, PostDraft.Consent.NO_PEOPLE):
        raise ValidationError(_("Choose an answer."))
    note = note.strip()
    if answer == PostDraft.Consent.CONSENT and not note:
        raise ValidationError(_("Say where the consent is kept."))
    draft.consent, draft.consent_note, draft.consent_by, draft.consent_at = (
        answer,
        note,
        actor,
        timezone.now(),
    )
    draft.save(update_fields=["consent", "consent_note", "consent_by", "consent_at", "updated_at"])
    _event(draft, actor, Action.CONSENT, f"{draft.get_consent_display()}. {note}".strip())


# --- review (N5) -------------------------------------------------------------------------------------


def reviewer_candidates(draft: PostDraft) -> QuerySet[User]:
    """The department's active people, but not the author: colleagues and experts."""
    return (
        User.objects.filter(department_id=draft.department_id, is_active=True)
        .exclude(pk=draft.author_id)
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def post_send_for_review(*, actor: User, draft: PostDraft, reviewer: User) -> None:
    _require_handler(actor, draft)
    draft = _locked(draft)
    if draft.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(_("Only a draft, or a post returned by the reviewer, is sent for review."))
    if not reviewer_candidates(draft).filter(pk=reviewer.pk).exists() or reviewer.pk == actor.pk:
        raise ValidationError(_("Choose a colleague or an expert of the department other than yourself."))
    problems = publish_blockers(draft, for_review=True)
    if problems:
        raise ValidationError(problems)
    draft.state, draft.reviewer, draft.review_note = State.IN_REVIEW, reviewer, ""
    draft.save(update_fields=["state", "reviewer", "review_note", "updated_at"])
    _event(draft, actor, Action.SENT_FOR_REVIEW, str(reviewer))
    reached = notify(
        [reviewer],
        Notice(
            _("A post to review before it is published"),
            _("%(person)s asks you to review a post of %(department)s before it is published.\n\n%(url)s\n")
            % {
                "person": actor,
                "department": draft.department,
                "url": _url("moderation:post_review", draft.pk),
            },
        ),
    )
    if reached:
        _event(draft, None, Action.NOTIFIED, ", ".join(reached))


@transaction.atomic
def post_review(*, actor: User, draft: PostDraft, approve: bool, note: str = "") -> None:
    """N5: the reviewer approves this version of the post, or returns it with a comment."""
    draft = _locked(draft)  # the reviewer as it is now, not as the caller last read it
    if not permissions.can_review_post(actor, draft):
        raise PermissionDenied
    if draft.state != State.IN_REVIEW:
        raise ValidationError(_("The post is not waiting for your review."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError(_("Say what should be changed before the post is returned."))
    draft.review_note = note
    if approve:
        draft.state = State.APPROVED
        draft.approved_by, draft.approved_at, draft.approved_version = actor, timezone.now(), draft.version
        _event(draft, actor, Action.APPROVED, note)
        subject = _("Your post was approved")
        body = _("%(person)s approved your post; it can be published now.\n\n%(note)s\n\n%(url)s\n")
    else:
        draft.state = State.RETURNED
        _event(draft, actor, Action.RETURNED, note)
        subject = _("Your post was returned")
        body = _("%(person)s returned your post with a comment.\n\n%(note)s\n\n%(url)s\n")
    draft.save(
        update_fields=["state", "review_note", "approved_by", "approved_at", "approved_version", "updated_at"]
    )
    mail_after_commit(
        [draft.author.email] if draft.author.email else [],
        subject,
        body % {"person": actor, "note": note, "url": _url("moderation:post", draft.pk)},
    )


# --- publishing ------------------------------------------------------------------------------------


def _require_publishable(draft: PostDraft) -> None:
    if draft.state != State.APPROVED:
        raise ValidationError(_("Only an approved post can be published or scheduled."))
    problems = publish_blockers(draft)
    if problems:
        raise ValidationError(problems)


def _queue(draft: PostDraft, targets, actor) -> None:
    """Each target the platform's API publishes goes to a task; the others are published by hand."""
    from .tasks import publish_post_target

    for target in targets:
        if publishes_through_api(target.account):
            target.state = TargetState.PUBLISHING
            target.save(update_fields=["state", "error", "held_reason"])
            _event(draft, actor, Action.PUBLISHING, str(target.account), target)
            target_id = target.pk
            transaction.on_commit(lambda target_id=target_id: publish_post_target.delay(target_id))
        else:
            target.state = TargetState.MANUAL
            target.save(update_fields=["state", "error", "held_reason"])
            _event(draft, actor, Action.MANUAL, str(target.account), target)


@transaction.atomic
def post_publish_now(*, actor: User, draft: PostDraft) -> None:
    _require_handler(actor, draft)
    draft = _locked(draft)
    _require_publishable(draft)
    draft.state, draft.publish_at = State.PUBLISHING, None
    draft.save(update_fields=["state", "publish_at", "updated_at"])
    targets = list(draft.targets.select_related("account").filter(state__in=WAITING_TARGETS))
    for target in targets:
        target.error = target.held_reason = ""
    _queue(draft, targets, actor)


@transaction.atomic
def post_schedule(*, actor: User, draft: PostDraft, publish_at: datetime) -> None:
    """Schedule the approved post; beat releases it when the time comes."""
    _require_handler(actor, draft)
    draft = _locked(draft)
    _require_publishable(draft)
    if publish_at <= timezone.now():
        raise ValidationError(_("Choose a time in the future, or publish now."))
    draft.state, draft.publish_at = State.SCHEDULED, publish_at
    draft.save(update_fields=["state", "publish_at", "updated_at"])
    draft.targets.update(state=TargetState.SCHEDULED, error="", held_reason="")
    when = timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M")
    _event(draft, actor, Action.SCHEDULED, when)


@transaction.atomic
def posts_release_due(*, now: datetime | None = None) -> int:
    """The scheduled posts whose time has come are handed to their tasks (beat, every minute).
    Two beats at once release each once: the rows are taken under a lock."""
    now = now or timezone.now()
    drafts = list(
        PostDraft.objects.select_for_update(skip_locked=True)
        .filter(state=State.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "pk")
    )
    for draft in drafts:
        draft.state = State.PUBLISHING
        draft.save(update_fields=["state", "updated_at"])
        targets = list(draft.targets.select_related("account").filter(state=TargetState.SCHEDULED))
        _queue(draft, targets, None)
    return len(drafts)


def hold_reason(account: ServiceAccount) -> str:
    """Why the account cannot publish now (a paused or retired account, fewer than two
    administrators), in words for the draft and the calendar; empty when it can."""
    if account.state != AccountState.ACTIVE:
        return _(
            "Held: %(account)s is %(state)s, so the post was not published. Publish it again once the "
            "account is active."
        ) % {"account": account.display_name, "state": account.get_state_display().lower()}
    admins = account.administrator_links.filter(user__is_active=True).count()
    if admins < MIN_ADMINISTRATORS:
        return _(
            "Held: %(account)s has fewer than two active administrators (F2), so the post was not "
            "published. Add an administrator, then publish it again."
        ) % {"account": account.display_name}
    return ""


def _reconnect_reason(account: ServiceAccount) -> str:
    return _(
        "Held: %(account)s needs to be reconnected; the platform did not accept its login details, so "
        "the post was not published. Ask the information unit to renew them, then publish it again."
    ) % {"account": account.display_name}


def _uploads(draft: PostDraft) -> list[Upload]:
    uploads = []
    for item in draft.media.all():
        with item.file.open("rb") as handle:
            data = handle.read()
        uploads.append(
            Upload(item.filename, item.content_type, data, item.alt_text, public_url=post_media_public_url(item))
        )
    return uploads


# A platform that fetches a post's photos itself (Instagram) gets them from an address of their own,
# signed and valid for a while, that needs no login; nothing else of the draft is reachable by it.
MEDIA_URL_SALT = "smgov.post-media"


def post_media_public_url(media: PostMedia) -> str:
    token = signing.dumps({"media": media.pk, "draft": media.draft_id}, salt=MEDIA_URL_SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('moderation:post_media_public', args=[token])}"


def post_media_by_public_token(token: str) -> PostMedia | None:
    """The photo a signed address names, while the address is valid (SMGOV_POST_MEDIA_URL_HOURS)."""
    try:
        named = signing.loads(token, salt=MEDIA_URL_SALT, max_age=settings.SMGOV_POST_MEDIA_URL_HOURS * 3600)
    except signing.BadSignature:
        return None
    return PostMedia.objects.filter(pk=named.get("media"), draft_id=named.get("draft")).first()


def publish_key(target: PostTarget) -> str:
    """The same for every attempt at one approved version of one post on one account, so that a
    retried task never posts twice where the platform deduplicates."""
    return f"smgov-post-{target.draft_id}-{target.pk}-v{target.draft.approved_version}"


def post_target_publish_run(*, target_id: int) -> None:
    """Publish one post on one account (run by a task, after commit). The platform is called
    outside any transaction and the outcome written afterwards; a target no longer being published
    is left alone, and a task run again after its worker died is found by the connector."""
    target = PostTarget.objects.select_related("draft", "account").get(pk=target_id)
    if target.state != TargetState.PUBLISHING:
        return
    reason = hold_reason(target.account)
    if reason:
        _target_outcome(target.pk, TargetState.HELD, reason=reason)
        return
    try:
        connector = platform.connector_for(
            target.account, purpose=_("publish post %(id)s") % {"id": target.draft_id}
        )
        published = connector.publish_post(
            target.text, media=_uploads(target.draft), link=target.draft.link, key=publish_key(target)
        )
    except NotSupported as exc:
        _target_outcome(target.pk, TargetState.MANUAL, error=exc.message)
    except CredentialsInvalid as exc:
        _target_outcome(
            target.pk, TargetState.HELD, reason=_reconnect_reason(target.account), error=exc.message
        )
    except ConnectorError as exc:
        _target_outcome(target.pk, TargetState.FAILED, error=exc.message)
    else:
        _target_published(target.pk, published)


def _finish(draft: PostDraft) -> None:
    if not draft.targets.exclude(state__in=[TargetState.PUBLISHED, TargetState.PUBLISHED_BY_HAND]).exists():
        draft.state = State.PUBLISHED
        draft.save(update_fields=["state", "updated_at"])


@transaction.atomic
def _target_published(target_id: int, published: Published) -> None:
    """The platform confirmed the post: archived at once as the drawn-up record it is (N20), from
    the platform's answer, through the harvest's own upsert, so the harvest later finds this record
    by its platform id; the consent answer goes on the record as its consent note (F15)."""
    target = PostTarget.objects.select_for_update().select_related("draft", "account").get(pk=target_id)
    if target.state != TargetState.PUBLISHING:
        return
    draft = _locked(target.draft)
    response = published.response
    source = archive_services.source_response_store(
        account=target.account,
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body,
        fetched_at=response.fetched_at,
        method=response.method,
    )
    item = published.item
    record = archive_services.record_ingest(
        account=target.account, item=platform.incoming_item(item), source=source
    ).record
    if draft.consent and draft.consent_by_id:
        PhotoConsent.objects.get_or_create(
            record=record,
            defaults={
                "answer": draft.consent,
                "note": draft.consent_note,
                "noted_by_id": draft.consent_by_id,
            },
        )
    target.state, target.error, target.held_reason, target.record = TargetState.PUBLISHED, "", "", record
    target.platform_post_id, target.published_at = item.platform_id, item.published_at
    target.permalink = item.permalink if (item.permalink or "").startswith(("https://", "http://")) else ""
    target.save(
        update_fields=[
            "state",
            "error",
            "held_reason",
            "record",
            "platform_post_id",
            "published_at",
            "permalink",
        ]
    )
    _event(draft, None, Action.PUBLISHED, item.platform_id, target)
    _finish(draft)


@transaction.atomic
def _target_outcome(target_id: int, state: str, *, reason: str = "", error: str = "") -> None:
    target = PostTarget.objects.select_for_update().select_related("draft", "account").get(pk=target_id)
    if target.state != TargetState.PUBLISHING:
        return
    draft = _locked(target.draft)
    target.state, target.held_reason, target.error = state, reason, error
    target.save(update_fields=["state", "held_reason", "error"])
    action = {TargetState.HELD: Action.HELD, TargetState.MANUAL: Action.MANUAL}.get(state, Action.FAILED)
    _event(draft, None, action, reason or error, target)
    if state in (TargetState.HELD, TargetState.FAILED):
        people = [draft.author, *target.account.administrators.filter(is_active=True)]
        reached = notify(
            people,
            Notice(
                _("A post was not published on %(account)s") % {"account": target.account.display_name},
                _("%(reason)s\n\n%(url)s\n")
                % {
                    "reason": reason or _("The platform did not accept the post; it can be tried again."),
                    "url": _url("moderation:post", draft.pk),
                },
            ),
        )
        if reached:
            _event(draft, None, Action.NOTIFIED, ", ".join(reached), target)


@transaction.atomic
def post_target_retry(*, actor: User, target: PostTarget) -> None:
    """A held or failed post is tried again, now (its approval still holds: the text is unchanged)."""
    _require_handler(actor, target.draft)
    draft = _locked(target.draft)
    target = PostTarget.objects.select_for_update().select_related("account").get(pk=target.pk)
    if target.state not in (TargetState.HELD, TargetState.FAILED):
        raise ValidationError(_("Only a post that was held or failed can be tried again."))
    if not draft.is_approved:
        raise ValidationError(
            _("The post needs a reviewer's approval of this version before it is published (N5).")
        )
    draft.state = State.PUBLISHING
    draft.save(update_fields=["state", "updated_at"])
    _event(draft, actor, Action.RETRIED, str(target.account), target)
    target.error = target.held_reason = ""
    _queue(draft, [target], actor)


@transaction.atomic
def post_target_record_manual(*, actor: User, target: PostTarget, permalink: str) -> None:
    """The post was published by hand on the platform: its address is recorded (the harvest
    archives it from the platform)."""
    _require_handler(actor, target.draft)
    draft = _locked(target.draft)
    target = PostTarget.objects.select_for_update().get(pk=target.pk)
    if target.state not in (TargetState.MANUAL, TargetState.FAILED):
        raise ValidationError(_("This post is not waiting to be published by hand."))
    permalink = permalink.strip()
    if not permalink.startswith(("https://", "http://")):
        raise ValidationError(_("Give the address of the published post (starting with https://)."))
    target.state, target.permalink, target.error = TargetState.PUBLISHED_BY_HAND, permalink, ""
    target.published_at, target.published_by = timezone.now(), actor
    target.save(update_fields=["state", "permalink", "error", "published_at", "published_by"])
    _event(draft, actor, Action.PUBLISHED_BY_HAND, permalink, target)
    _finish(draft)


# --- Reads -----------------------------------------------------------------------------------------


def post_list(*, user, state: str = "") -> QuerySet[PostDraft]:
    posts = permissions.visible_posts(user)
    if state:
        posts = posts.filter(state=state)
    return (
        posts.select_related("department", "author", "reviewer")
        .prefetch_related(Prefetch("targets", queryset=PostTarget.objects.select_related("account")))
        .annotate(
            held=Count("targets", filter=Q(targets__state=TargetState.HELD)),
            failed=Count("targets", filter=Q(targets__state=TargetState.FAILED)),
        )
        .order_by("-updated_at", "-pk")
    )


def posts_to_review(*, user) -> QuerySet[PostDraft]:
    return PostDraft.objects.filter(reviewer=user, state=State.IN_REVIEW).select_related(
        "department", "author"
    )


@dataclass(frozen=True)
class CalendarEntry:
    when: datetime
    draft: PostDraft
    target: PostTarget


def post_calendar(*, user, year: int, month: int, department_id: int | None = None) -> dict[date, list]:
    """The scheduled and published posts of a month by day (Europe/Stockholm), per account."""
    start = timezone.make_aware(datetime(year, month, 1))
    end = start + timedelta(days=calendar.monthrange(year, month)[1])
    targets = (
        PostTarget.objects.filter(draft__in=permissions.visible_posts(user))
        .filter(
            Q(published_at__gte=start, published_at__lt=end)
            | Q(published_at__isnull=True, draft__publish_at__gte=start, draft__publish_at__lt=end)
        )
        .select_related("draft", "account", "draft__department")
        .order_by("pk")
    )
    if department_id:
        targets = targets.filter(draft__department_id=department_id)
    days: dict[date, list[CalendarEntry]] = {}
    for target in targets:
        when = timezone.localtime(target.published_at or target.draft.publish_at)
        days.setdefault(when.date(), []).append(CalendarEntry(when, target.draft, target))
    for entries in days.values():
        entries.sort(key=lambda entry: (entry.when, entry.target.pk))
    return days
