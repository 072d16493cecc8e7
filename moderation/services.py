"""Writes of the inbox. Every change is one function taking the acting person first, and writes
its `CaseEvent` in the same transaction."""

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.roles import Role
from archive import services as archive_services
from archive.bulk import insert_rows
from archive.models import Record, RecordKind
from platforms.base import ConnectorError, CredentialsInvalid, NotFound, NotSupported, Published
from registry import diary
from registry.models import RegistrationRequest
from smgov.lib.documents import document_date, document_time
from smgov.lib.mail import mail_after_commit
from smgov.lib.notify import Notice, notify

from . import permissions, platform, selectors
from .flags import GROUNDS, FlagKind, KeywordRule, RemovalGround, RuleRefused, flag_text
from .models import (
    OPEN_STATES,
    PERSONAL_DATA_KINDS,
    Case,
    CaseEvent,
    CaseFlag,
    CaseState,
    FlagRule,
    Forward,
    OlderItemFlag,
    PhotoConsent,
    PlatformAction,
    Priority,
    Reply,
    SavedReply,
)
from .search import outcome_labels

Action = CaseEvent.Action

logger = logging.getLogger(__name__)

# F14: on these platforms the municipality answers for personal data that others publish on its
# account (Facebook pages and its own blogs); elsewhere only for what it publishes itself.
PERSONAL_DATA_RESPONSIBLE_PLATFORMS = frozenset({"facebook", "rss"})

# Why a keyword rule is refused, in words for the person who typed it.
RULE_REFUSED = {
    "empty": gettext_lazy("Enter a word, a phrase or a pattern."),
    "invalid": gettext_lazy(
        "The pattern cannot be used (%(detail)s). Look-arounds such as (?= and (?<! and backreferences "
        "such as \\1 are not supported, so that no pattern can slow down the harvest."
    ),
    "matches_empty": gettext_lazy("The pattern matches empty text, so it would flag every comment."),
    "named_groups": gettext_lazy("Named groups (?P<name>…) cannot be used in a pattern."),
}


def _event(case: Case, actor, action: str, note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(case=case, actor=actor, action=action, note=note)


def _case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("moderation:case", args=[case.pk])


def department_communicators(department_id: int):
    return User.objects.filter(
        department_id=department_id, groups__name=Role.COMMUNICATOR, is_active=True
    ).exclude(email="")


def _opens_case(record: Record) -> bool:
    return opens_case(kind=record.kind, is_own=record.is_own)


def opens_case(*, kind: str, is_own: bool) -> bool:
    """Comments and replies from the public get a case; the municipality's own posts and replies do not."""
    return not is_own and kind in (RecordKind.COMMENT, RecordKind.REPLY)


def labels_on_arrival(*, kind: str, is_own: bool) -> list[str]:
    """The labels a new record gets in the archive when it will have a case (its outcome, "new"),
    so that it is written once with them instead of again when its case is opened. The triggers
    that keep the labels add its flags' labels with its flags, and correct anything else."""
    return outcome_labels(CaseState.NEW) if opens_case(kind=kind, is_own=is_own) else []


@transaction.atomic
def case_open(*, record: Record, historical: bool = False) -> Case | None:
    """Open the case for a newly received comment or reply from the public (idempotent).

    A ``historical`` comment (found by the first harvest of an account that was in use before, and
    older than its answers are due) is archived without a case, which would be overdue on arrival;
    its personal data is listed apart for the communicators (``OlderItemFlag``).

    Flags are computed and stored, the deadline is the received time plus the account's promised
    response time (F8/N21), personal data raises the priority where the municipality answers for
    others' personal data (F14), and possible unlawful content is mailed to the department's
    communicators at once. Own posts and own replies open no case: returns None.
    """
    if not _opens_case(record):
        return None
    existing = next(iter(Case.objects.filter(record=record)[:1]), None)
    if existing is not None:
        return existing
    if historical:
        _note_older_personal_data(record)
        return None
    account = record.account
    flags, has_personal_data, has_ground, high = _screen(record)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                record=record,
                account=account,
                department_id=record.department_id,
                platform=record.platform,
                deadline=record.published_at + account.response_time,
                priority=Priority.HIGH if high else Priority.NORMAL,
                has_personal_data=has_personal_data,
                has_ground=has_ground,
            )
    except IntegrityError:
        return Case.objects.get(record=record)
    _store_flags(case, flags)
    _event(case, None, CaseEvent.Action.OPENED)
    if has_ground:
        _notify_unlawful(case, sorted({flag.ground for flag in flags if flag.ground}))
    return case


def _note_older_personal_data(record: Record) -> None:
    older_items_note(records=[record])


@transaction.atomic
def older_items_note(*, records: Iterable[Record]) -> None:
    """`case_open(historical=True)` for a page of records, in a fixed number of statements: the
    personal data screened in those that would have a case, unless they have one or were noted
    before, is kept in one insert (see ``OlderItemFlag``)."""
    wanted = [record for record in records if _opens_case(record)]
    if not wanted:
        return
    pks = [record.pk for record in wanted]
    done = set(Case.objects.filter(record__in=pks).values_list("record_id", flat=True))
    done |= set(OlderItemFlag.objects.filter(record__in=pks).values_list("record_id", flat=True))
    rules = selectors.active_flag_rules()
    rows = []
    for record in wanted:
        if record.pk in done:
            continue
        done.add(record.pk)
        rows += [
            (
                record.pk,
                record.department_id,
                flag.kind.value,
                flag.matched,
                flag.start,
                flag.end,
                flag.explanation,
            )
            for flag in _screen(record, rules=rules)[0]
            if flag.kind in PERSONAL_DATA_KINDS
        ]
    insert_rows(
        OlderItemFlag,
        ("record", "department", "kind", "matched", "start", "end", "explanation"),
        rows,
        defaults=True,
    )


@transaction.atomic
def cases_open(*, records: Iterable[Record]) -> list[int]:
    """`case_open` for a page of newly received records, in a fixed number of statements.

    The flags of each are computed here; the cases, their flags and their "opened" events are each
    inserted in one statement straight from their values (no model instance per row), and the
    statement triggers put the labels on the records once per insert. A record that has its case
    already keeps it. Returns the ids of the cases opened."""
    wanted = [record for record in records if _opens_case(record)]
    if not wanted:
        return []
    have = set(Case.objects.filter(record__in=[r.pk for r in wanted]).values_list("record_id", flat=True))
    rules = selectors.active_flag_rules()
    rows, screened = [], []
    for record in wanted:
        if record.pk in have:
            continue
        have.add(record.pk)
        flags, has_personal_data, has_ground, high = _screen(record, rules=rules)
        rows.append(
            (
                record.pk, record.account_id, record.department_id, record.platform,
                record.published_at + record.account.response_time,
                Priority.HIGH if high else Priority.NORMAL, has_personal_data, has_ground,
            )
        )  # fmt: skip
        screened.append(flags)
    ids = insert_rows(Case, _CASE_FIELDS, rows, defaults=True, returning="id")
    insert_rows(
        CaseFlag,
        _FLAG_FIELDS,
        [_flag_values(case_id, flag) for case_id, flags in zip(ids, screened, strict=True) for flag in flags],
        defaults=True,
    )
    _opened_events(ids)
    unlawful = {case_id: flags for case_id, flags in zip(ids, screened, strict=True) if _grounds(flags)}
    if unlawful:
        for case in Case.objects.filter(pk__in=unlawful).select_related("account"):
            _notify_unlawful(case, _grounds(unlawful[case.pk]))
    return ids


_CASE_FIELDS = (
    "record", "account", "department", "platform", "deadline", "priority", "has_personal_data", "has_ground",
)  # fmt: skip
_FLAG_FIELDS = ("case", "kind", "ground", "matched", "start", "end", "explanation")


def _flag_values(case_id: int, flag) -> tuple:
    return (
        case_id, flag.kind.value, flag.ground.value if flag.ground else "", flag.matched, flag.start, flag.end,
        flag.explanation,
    )  # fmt: skip


def _grounds(flags) -> list:
    return sorted({flag.ground for flag in flags if flag.ground})


def _opened_events(case_ids: list[int]) -> None:
    insert_rows(
        CaseEvent,
        ("case", "action"),
        [(case_id, CaseEvent.Action.OPENED) for case_id in case_ids],
        defaults=True,
    )


def _screen(record: Record, *, rules=None):
    """The flags of a record's text as it is now, and what they mean for its case."""
    text = selectors.plain_text(record.text, record.text_format)
    if rules is None:
        rules = selectors.active_flag_rules()
    flags = flag_text(text, rules=rules, has_media=bool(record.media))
    has_personal_data = any(flag.kind in PERSONAL_DATA_KINDS for flag in flags)
    has_ground = any(flag.kind == FlagKind.GROUND for flag in flags)
    high = has_ground or (has_personal_data and record.platform in PERSONAL_DATA_RESPONSIBLE_PLATFORMS)
    return flags, has_personal_data, has_ground, high


def _flag_rows(case: Case, flags) -> list[CaseFlag]:
    return [
        CaseFlag(
            case=case,
            kind=flag.kind.value,
            ground=flag.ground.value if flag.ground else "",
            matched=flag.matched,
            start=flag.start,
            end=flag.end,
            explanation=flag.explanation,
        )
        for flag in flags
    ]


def _store_flags(case: Case, flags) -> None:
    CaseFlag.objects.bulk_create(_flag_rows(case, flags))


@transaction.atomic
def case_rescreen(*, record: Record) -> Case | None:
    """A comment was edited on the platform: screen the new text as if it had just arrived (F13, F14).

    The flags are those of the new text; the priority rises with them and never falls below what a
    person set; an answered or no-action case whose new text has personal data or a removal ground it
    did not have is opened again, so an edit is never a way around the screening. The case's history
    says so. A record without a case gets one, as a new comment would."""
    if not _opens_case(record):
        return None
    case = next(iter(Case.objects.select_for_update().filter(record=record)[:1]), None)
    if case is None:
        return case_open(record=record)
    flags, has_personal_data, has_ground, high = _screen(record)
    before = {(flag.kind, flag.ground) for flag in case.flags.all()}
    after = {(flag.kind.value, flag.ground.value if flag.ground else "") for flag in flags}
    case.flags.all().delete()
    _store_flags(case, flags)
    case.has_personal_data, case.has_ground = has_personal_data, has_ground
    if high:
        case.priority = Priority.HIGH
    fields = ["has_personal_data", "has_ground", "priority", "updated_at"]
    new = after - before
    serious = {kind for kind, ground in new if kind in PERSONAL_DATA_KINDS or kind == FlagKind.GROUND}
    if serious and case.state in (CaseState.ANSWERED, CaseState.NO_ACTION):
        case.state, case.closed_at, case.closed_by = CaseState.NEW, None, None
        fields += ["state", "closed_at", "closed_by"]
        _event(case, None, Action.REOPENED, _("The comment was edited and has new flags."))
    case.save(update_fields=fields)
    _event(case, None, Action.EDITED, ", ".join(sorted(kind for kind, _ground in new)))
    if any(kind == FlagKind.GROUND for kind, _ground in new):
        _notify_unlawful(case, sorted({flag.ground for flag in flags if flag.ground}))
    return case


def _notify_unlawful(case: Case, grounds) -> None:
    """An immediate e-mail naming the possible grounds, never the content itself."""
    recipients = list(department_communicators(case.department_id).values_list("email", flat=True))
    if not recipients:
        return
    names = ", ".join(GROUNDS[ground].swedish_name for ground in grounds)
    mail_after_commit(
        recipients,
        _("Possible unlawful content in a comment on %(account)s") % {"account": case.account},
        _(
            "A comment on %(account)s may contain unlawful content (%(grounds)s).\n"
            "A person decides: look at it as soon as possible.\n\n%(url)s"
        )
        % {"account": case.account, "grounds": names, "url": _case_url(case)},
    )
    _event(case, None, CaseEvent.Action.NOTIFIED, ", ".join(recipients))


# --- helpers ---------------------------------------------------------------------------------------


def _locked(case: Case) -> Case:
    """The case re-read under a row lock, so two people acting at once are serialised."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("record", "account", "department")
        .get(pk=case.pk)
    )


def _require_handler(actor, case: Case) -> None:
    if not permissions.can_handle_case(actor, case):
        raise PermissionDenied


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("The case is closed."))


def _start(case: Case, actor) -> list[str]:
    """A new case is taken up by whoever first acts on it."""
    fields = []
    if case.state == CaseState.NEW:
        case.state = CaseState.IN_PROGRESS
        fields.append("state")
    if case.assignee_id is None and actor is not None:
        case.assignee = actor
        fields.append("assignee")
    return fields


def _close(case: Case, actor, state: str) -> None:
    case.state = state
    case.closed_at = timezone.now()
    case.closed_by = actor
    case.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])


# --- assignment and closing ------------------------------------------------------------------------


@transaction.atomic
def case_assign(*, actor: User, case: Case, assignee: User | None) -> None:
    _require_handler(actor, case)
    case = _locked(case)
    if assignee is not None and not permissions.can_handle_case(assignee, case):
        raise ValidationError(_("%(person)s cannot handle this department's cases.") % {"person": assignee})
    case.assignee = assignee
    fields = ["assignee", "updated_at"]
    if assignee is not None and case.state == CaseState.NEW:
        case.state = CaseState.IN_PROGRESS
        fields.append("state")
    case.save(update_fields=fields)
    if assignee is None:
        _event(case, actor, Action.UNASSIGNED)
    else:
        _event(case, actor, Action.ASSIGNED, str(assignee))


@transaction.atomic
def case_close_no_action(*, actor: User, case: Case, note: str = "") -> None:
    """N17: nothing to answer or of minor importance; the comment is still a public record."""
    _require_handler(actor, case)
    case = _locked(case)
    _require_open(case)
    _close(case, actor, CaseState.NO_ACTION)
    _event(case, actor, Action.NO_ACTION, note.strip())


@transaction.atomic
def case_reopen(*, actor: User, case: Case) -> None:
    _require_handler(actor, case)
    case = _locked(case)
    if case.state not in (CaseState.NO_ACTION, CaseState.ANSWERED):
        raise ValidationError(_("Only a case closed without action or answered can be reopened."))
    case.state = CaseState.IN_PROGRESS
    case.closed_at = None
    case.closed_by = None
    case.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    _event(case, actor, Action.REOPENED)


def _bulk(actor: User, case_ids: Iterable[int]):
    return (
        permissions.handled_cases(actor)
        .filter(pk__in=list(case_ids), state__in=OPEN_STATES)
        .select_for_update(of=("self",))
        .order_by("pk")
    )


@transaction.atomic
def cases_assign_to_me(*, actor: User, case_ids: Iterable[int]) -> int:
    """Bulk: take the chosen open cases; cases the person may not handle are left alone."""
    cases = list(_bulk(actor, case_ids))
    for case in cases:
        case.assignee = actor
        if case.state == CaseState.NEW:
            case.state = CaseState.IN_PROGRESS
    Case.objects.bulk_update(cases, ["assignee", "state"])
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, actor=actor, action=Action.ASSIGNED, note=str(actor)) for case in cases
    )
    return len(cases)


@transaction.atomic
def cases_close_no_action(*, actor: User, case_ids: Iterable[int], note: str = "") -> int:
    cases = list(_bulk(actor, case_ids))
    now = timezone.now()
    for case in cases:
        case.state, case.closed_at, case.closed_by = CaseState.NO_ACTION, now, actor
    Case.objects.bulk_update(cases, ["state", "closed_at", "closed_by"])
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, actor=actor, action=Action.NO_ACTION, note=note.strip()) for case in cases
    )
    return len(cases)


# --- N9: discuss with the manager first ------------------------------------------------------------


@transaction.atomic
def case_request_manager(*, actor: User, case: Case, note: str = "") -> None:
    """N9: errors or criticism are discussed with the manager before anyone replies."""
    _require_handler(actor, case)
    case = _locked(case)
    _require_open(case)
    case.needs_manager = True
    case.manager_cleared_at = None
    case.manager_cleared_by = None
    fields = ["needs_manager", "manager_cleared_at", "manager_cleared_by", "updated_at", *_start(case, actor)]
    case.save(update_fields=fields)
    _event(case, actor, Action.MANAGER_REQUESTED, note.strip())
    head = case.department.head
    if head is not None:
        mail_after_commit(
            [head.email],
            _("A comment to discuss before replying: %(account)s") % {"account": case.account},
            _("%(person)s wants to discuss a comment with you before it is answered.\n\n%(note)s\n\n%(url)s")
            % {"person": actor, "note": note.strip(), "url": _case_url(case)},
        )


@transaction.atomic
def case_clear_manager(*, actor: User, case: Case, note: str = "") -> None:
    if not permissions.can_clear_manager(actor, case):
        raise PermissionDenied
    case = _locked(case)
    if not case.waiting_for_manager:
        raise ValidationError(_("The case is not waiting for the manager."))
    case.manager_cleared_at = timezone.now()
    case.manager_cleared_by = actor
    case.save(update_fields=["manager_cleared_at", "manager_cleared_by", "updated_at"])
    _event(case, actor, Action.MANAGER_CLEARED, note.strip())
    if case.assignee_id:
        mail_after_commit(
            [case.assignee.email],
            _("Discussed with the manager: %(account)s") % {"account": case.account},
            _("%(person)s has discussed the comment; you can reply now.\n\n%(note)s\n\n%(url)s")
            % {"person": actor, "note": note.strip(), "url": _case_url(case)},
        )


# --- replies (F3, N5, N12) -------------------------------------------------------------------------


def signature_for(user: User) -> str:
    """F3/N5: every reply is signed with the replier's name and title; without them, no reply."""
    if not user.first_name.strip() or not user.title.strip():
        raise ValidationError(
            _(
                "Replies are signed with your name and title, and your profile has no %(missing)s. "
                "Ask the information unit to add it before you reply."
            )
            % {"missing": _("title") if user.first_name.strip() else _("name")}
        )
    return f"/{user.first_name.strip()}, {user.title.strip()}"


def _publish(reply: Reply, case: Case, actor) -> None:
    """Publish through the connector after commit where the platform can, else by hand."""
    if platform.can_publish(case.platform):
        reply.status = Reply.Status.PUBLISHING
        reply.save(update_fields=["status"])
        _event(case, actor, Action.REPLY_PUBLISHING)
        from .tasks import publish_reply

        transaction.on_commit(lambda: publish_reply.delay(reply.pk))
    else:
        reply.status = Reply.Status.MANUAL
        reply.save(update_fields=["status"])


def _deleted_message(deleted_at) -> str:
    when = formats.date_format(timezone.localtime(deleted_at), "DATETIME_FORMAT")
    return _(
        "The comment was deleted on the platform by its author or the platform (noticed %(time)s), "
        "so it cannot be answered. The case is closed as deleted on the platform."
    ) % {"time": when}


def _close_deleted(case: Case, actor) -> None:
    """The comment is gone from the platform: nothing is published under it, the case is closed."""
    if case.is_open:
        _close(case, actor, CaseState.DELETED)
        _event(case, actor, Action.DELETED_ON_PLATFORM)


def reply_submit(*, actor: User, case: Case, text: str, reviewer: User | None = None) -> Reply:
    """Send a signed reply (F3); with a reviewer it waits for the expert's approval first (N5).

    Under a comment deleted on the platform nothing is sent: the case is closed as deleted, and that
    stays done when the refusal is raised."""
    with transaction.atomic():
        reply = _reply_submit(actor=actor, case=case, text=text, reviewer=reviewer)
    if reply is None:
        deleted_at = Record.objects.values_list("deleted_on_platform_at", flat=True).get(pk=case.record_id)
        raise ValidationError(_deleted_message(deleted_at), code="comment_deleted")
    return reply


def _reply_submit(*, actor: User, case: Case, text: str, reviewer: User | None) -> Reply | None:
    _require_handler(actor, case)
    signature = signature_for(actor)
    case = _locked(case)
    if case.record.deleted_on_platform_at is not None:
        _close_deleted(case, actor)
        return None
    _require_open(case)
    if case.waiting_for_manager:
        raise ValidationError(
            _("This comment is to be discussed with the manager before anyone replies (N9).")
        )
    if case.is_purged or case.record.removed_at:
        raise ValidationError(_("A removed comment is not answered."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the reply."))
    if reviewer is not None and reviewer.pk == actor.pk:
        raise ValidationError(_("Choose someone else to review the reply."))
    too_long = platform.reply_too_long(case.account.platform, f"{text}\n\n{signature}")
    if too_long:
        raise ValidationError(too_long)
    reply = Reply.objects.create(
        case=case,
        author=actor,
        text=text,
        signature=signature,
        status=Reply.Status.AWAITING_REVIEW if reviewer else Reply.Status.MANUAL,
        reviewer=reviewer,
    )
    fields = _start(case, actor)
    if reviewer is not None:
        assign_perm("moderation.answer_case", reviewer, case)
        case.state = CaseState.WAITING_FOR_EXPERT
        fields.append("state")
        case.save(update_fields=[*set(fields), "updated_at"])
        _event(case, actor, Action.REPLY_DRAFTED, str(reviewer))
        mail_after_commit(
            [reviewer.email],
            _("A reply to review: %(account)s") % {"account": case.account},
            _("%(person)s asks you to review a reply before it is published.\n\n%(url)s")
            % {
                "person": actor,
                "url": settings.SITE_URL + reverse("moderation:reply_review", args=[reply.pk]),
            },
        )
    else:
        if fields:
            case.save(update_fields=[*fields, "updated_at"])
        _publish(reply, case, actor)
    return reply


@transaction.atomic
def reply_review(*, actor: User, reply: Reply, approve: bool, note: str = "") -> None:
    """N5: the expert approves (the reply is published) or returns it with a note."""
    if not permissions.can_review_reply(actor, reply):
        raise PermissionDenied
    case = _locked(reply.case)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != Reply.Status.AWAITING_REVIEW:
        raise ValidationError(_("The reply has already been reviewed."))
    reply.reviewed_by, reply.reviewed_at, reply.review_note = actor, timezone.now(), note.strip()
    reply.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    if case.state == CaseState.WAITING_FOR_EXPERT and not _other_waits(case, reply=reply):
        case.state = CaseState.IN_PROGRESS
        case.save(update_fields=["state", "updated_at"])
    if approve:
        _event(case, actor, Action.REPLY_REVIEWED, reply.review_note)
        _publish(reply, case, reply.author)
    else:
        reply.status = Reply.Status.RETURNED
        reply.save(update_fields=["status"])
        _event(case, actor, Action.REPLY_RETURNED, reply.review_note)
        mail_after_commit(
            [reply.author.email],
            _("Your reply was returned: %(account)s") % {"account": case.account},
            _("%(person)s returned your reply.\n\n%(note)s\n\n%(url)s")
            % {"person": actor, "note": reply.review_note, "url": _case_url(case)},
        )


def _other_waits(case: Case, *, reply: Reply | None = None, forward: Forward | None = None) -> bool:
    replies = case.replies.filter(status=Reply.Status.AWAITING_REVIEW)
    forwards = case.forwards.filter(answered_at__isnull=True)
    if reply is not None:
        replies = replies.exclude(pk=reply.pk)
    if forward is not None:
        forwards = forwards.exclude(pk=forward.pk)
    return replies.exists() or forwards.exists()


def reply_publish_run(*, reply_id: int) -> None:
    """Publish one reply through the platform's connector (run by a task, after commit).

    The platform is called outside any transaction; the outcome is written on the reply and the
    case afterwards. A retried task finds the reply no longer `publishing` and does nothing; a task
    run again after its worker died between the platform's answer and our commit finds the reply
    already there through the connector, which looks for it before posting. Under a comment known to
    be deleted on the platform nothing is sent.
    """
    reply = Reply.objects.select_related("case__record", "case__account").get(pk=reply_id)
    if reply.status != Reply.Status.PUBLISHING:
        return
    case = reply.case
    record = case.record
    if record.deleted_on_platform_at is not None:
        _reply_comment_deleted(reply.pk, at=record.deleted_on_platform_at)
        return
    try:
        connector = platform.connector_for(
            case.account, purpose=_("publish a reply in case %(id)s") % {"id": case.pk}
        )
        published = connector.publish_reply(
            record.platform_id, reply.full_text, thread_id=record.thread_platform_id
        )
    except NotFound:
        _reply_comment_deleted(reply.pk, at=timezone.now())
    except (NotSupported, CredentialsInvalid) as exc:
        _reply_outcome(reply.pk, Reply.Status.MANUAL, error=exc.message)
    except ConnectorError as exc:
        _reply_outcome(reply.pk, Reply.Status.FAILED, error=exc.message)
    else:
        _reply_published(reply.pk, published)


@transaction.atomic
def _reply_published(reply_id: int, published: Published) -> None:
    """The platform confirmed the reply: it is archived at once as the drawn-up record it is (N20),
    from the platform's own answer, through the same upsert the harvest uses, so the harvest later
    finds this record by its platform id and updates it rather than storing it twice."""
    reply = Reply.objects.select_for_update().get(pk=reply_id)
    case = _locked(reply.case)
    if reply.status != Reply.Status.PUBLISHING:
        return
    response = published.response
    source = archive_services.source_response_store(
        account=case.account,
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body,
        fetched_at=response.fetched_at,
        method=response.method,
    )
    item = published.item
    archive_services.record_ingest(account=case.account, item=platform.incoming_item(item), source=source)
    reply.status, reply.error = Reply.Status.PUBLISHED, ""
    reply.platform_reply_id, reply.published_at = item.platform_id, item.published_at
    reply.permalink = item.permalink if (item.permalink or "").startswith(("https://", "http://")) else ""
    reply.save(update_fields=["status", "error", "platform_reply_id", "published_at", "permalink"])
    _event(case, None, Action.REPLY_PUBLISHED, item.platform_id)
    if case.is_open:
        _close(case, reply.author, CaseState.ANSWERED)


@transaction.atomic
def _reply_comment_deleted(reply_id: int, *, at) -> None:
    """The comment is gone from the platform: the reply is not published and the case is closed."""
    reply = Reply.objects.select_for_update().get(pk=reply_id)
    case = _locked(reply.case)
    record = case.record
    if record.deleted_on_platform_at is None:
        archive_services.record_mark_missing(record=record, at=at)
        archive_services.record_mark_deleted_on_platform(record=record, at=at)
    reply.status, reply.error = Reply.Status.COMMENT_DELETED, _deleted_message(record.deleted_on_platform_at)
    reply.save(update_fields=["status", "error"])
    _close_deleted(case, None)


@transaction.atomic
def _reply_outcome(reply_id: int, status: str, *, error: str = "") -> None:
    reply = Reply.objects.select_for_update().get(pk=reply_id)
    case = _locked(reply.case)
    reply.status, reply.error = status, error
    reply.save(update_fields=["status", "error"])
    _event(case, None, Action.REPLY_FAILED, error)
    if status == Reply.Status.FAILED:
        _notify_reply_failed(case, reply)


@transaction.atomic
def reply_retry(*, actor: User, reply: Reply) -> None:
    _require_handler(actor, reply.case)
    case = _locked(reply.case)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != Reply.Status.FAILED:
        raise ValidationError(_("Only a reply whose publishing failed can be tried again."))
    _publish(reply, case, actor)


@transaction.atomic
def reply_record_manual(*, actor: User, reply: Reply, permalink: str = "") -> None:
    """The reply was published by hand on the platform: the case records it with the link."""
    _require_handler(actor, reply.case)
    case = _locked(reply.case)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status not in (Reply.Status.MANUAL, Reply.Status.FAILED):
        raise ValidationError(_("This reply is not waiting to be published by hand."))
    reply.status = Reply.Status.ANSWERED_MANUALLY
    reply.permalink = permalink.strip()
    reply.published_at = timezone.now()
    reply.save(update_fields=["status", "permalink", "published_at"])
    _event(case, actor, Action.REPLY_MANUAL, reply.permalink)
    if case.is_open:
        _close(case, actor, CaseState.ANSWERED)


# --- forwarding (F9, N5) ---------------------------------------------------------------------------


@transaction.atomic
def forward_create(
    *,
    actor: User,
    case: Case,
    question: str,
    due_on: date,
    to_user: User | None = None,
    to_email: str = "",
) -> Forward:
    """F9: a question to the head of operations or an expert, with a due date; they get an e-mail
    and (if they have a login) a page where the answer goes straight back to the case."""
    _require_handler(actor, case)
    case = _locked(case)
    _require_open(case)
    question = question.strip()
    to_email = to_email.strip()
    if not question:
        raise ValidationError(_("Write the question."))
    if due_on < timezone.localdate():
        raise ValidationError(_("The answer cannot be due in the past."))
    if to_user is not None and to_email:
        raise ValidationError(_("Choose a person or give an e-mail address, not both."))
    if to_user is None and to_email:
        to_user = User.objects.filter(email__iexact=to_email, is_active=True).first()
    if to_user is None and not to_email:
        raise ValidationError(_("Choose a person or give an e-mail address."))
    if to_user is not None and to_user.pk == actor.pk:
        raise ValidationError(_("Forward the question to someone else."))
    forward = Forward.objects.create(
        case=case,
        asked_by=actor,
        to_user=to_user,
        to_email="" if to_user else to_email,
        question=question,
        due_on=due_on,
    )
    if to_user is not None:
        assign_perm("moderation.answer_case", to_user, case)
    fields = _start(case, actor)
    case.state = CaseState.WAITING_FOR_EXPERT
    case.save(update_fields=list({*fields, "state", "updated_at"}))
    _event(
        case,
        actor,
        Action.FORWARDED,
        _("%(to)s, answer by %(due)s") % {"to": forward.recipient, "due": due_on},
    )
    _mail_forward(forward)
    return forward


def _mail_forward(forward: Forward) -> None:
    """The expert gets the comment itself (who wrote it, when, where), the question, and the link that
    answers it: a login page for a person with an account, the link alone for an outside address.
    Replying to the mail reaches the person who asked. Always in Swedish, the municipality's language."""
    case, actor = forward.case, forward.asked_by
    record = case.record
    with translation.override(settings.LANGUAGE_CODE):
        asker = f"{actor}, {actor.title}" if actor.title else str(actor)
        if case.is_purged:
            comment = _("(The content of the comment has been purged.)")
        else:
            comment = selectors.plain_text(record.text, record.text_format)
        values = {
            "person": asker,
            "municipality": settings.MUNICIPALITY_NAME,
            "due": document_date(forward.due_on),
            "question": forward.question,
            "author": record.author_name or record.author_handle or _("someone unnamed"),
            "platform": case.account.get_platform_display(),
            "account": case.account.display_name,
            "time": document_time(record.published_at),
            "comment": comment,
            "url": settings.SITE_URL + forward.get_absolute_url(),
        }
        parts = [
            _(
                "%(person)s at %(municipality)s asks you a question about a comment on %(account)s. "
                "Please answer by %(due)s."
            )
            % values,
            _("The question:\n%(question)s") % values,
            _("The comment, written by %(author)s on %(platform)s on %(time)s:\n%(comment)s") % values,
        ]
        thread = record.thread if record.thread_id and record.thread_id != record.pk else None
        links = []
        if record.permalink and not case.is_purged:
            links.append(_("The comment on %(platform)s: %(link)s") % {**values, "link": record.permalink})
        if thread is not None and thread.permalink:
            links.append(_("The post it was written under: %(link)s") % {"link": thread.permalink})
        if links:
            parts.append("\n".join(links))
        if forward.to_user_id:
            parts.append(_("Answer here (log in first): %(url)s") % values)
        else:
            parts.append(_("Answer here, no login needed: %(url)s") % values)
        if actor.email:
            parts.append(
                _("You can also reply to this e-mail; the answer goes to %(email)s.") % {"email": actor.email}
            )
        subject = _("A question about a comment on %(account)s: please answer by %(due)s") % values
        body = "\n\n".join(str(part) for part in parts)
    mail_after_commit(
        [forward.to_user.email if forward.to_user_id else forward.to_email],
        subject,
        body,
        reply_to=[actor.email],
    )


@transaction.atomic
def forward_answer_by_link(*, token: str, answer: str) -> Forward:
    """An outside expert (no login) answers through the link in the mail; the link is the credential,
    good once, while the case is open. The case history names the address it was sent to."""
    forward = Forward.objects.select_related("case").filter(token=token).first()
    if forward is None or not permissions.can_answer_forward_by_link(forward):
        raise PermissionDenied
    case = _locked(forward.case)
    forward = Forward.objects.select_for_update().get(pk=forward.pk)
    if forward.answered_at is not None:
        raise ValidationError(_("The question has already been answered."))
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write the answer."))
    forward.answer, forward.answered_at = answer, timezone.now()
    forward.save(update_fields=["answer", "answered_at"])
    _event(case, None, Action.FORWARD_ANSWERED, forward.to_email)
    _after_forward_answer(case, forward, forward.to_email)
    return forward


@transaction.atomic
def forward_answer(*, actor: User, forward: Forward, answer: str) -> None:
    """The expert's answer returns to the case; for a question sent by e-mail to someone without a
    login, a communicator records the answer that came back."""
    allowed = permissions.can_answer_forward(actor, forward) or (
        forward.to_user_id is None and permissions.can_handle_case(actor, forward.case)
    )
    if not allowed:
        raise PermissionDenied
    case = _locked(forward.case)
    forward = Forward.objects.select_for_update().get(pk=forward.pk)
    if forward.answered_at is not None:
        raise ValidationError(_("The question has already been answered."))
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write the answer."))
    forward.answer, forward.answered_at, forward.answered_by = answer, timezone.now(), actor
    forward.save(update_fields=["answer", "answered_at", "answered_by"])
    _event(case, actor, Action.FORWARD_ANSWERED, str(forward.recipient))
    _after_forward_answer(case, forward, str(actor))


def _after_forward_answer(case: Case, forward: Forward, answered_by: str) -> None:
    if case.state == CaseState.WAITING_FOR_EXPERT and not _other_waits(case, forward=forward):
        case.state = CaseState.IN_PROGRESS
        case.save(update_fields=["state", "updated_at"])
    mail_after_commit(
        [forward.asked_by.email],
        _("Your question was answered: %(account)s") % {"account": case.account},
        _("%(person)s answered your question.\n\n%(url)s") % {"person": answered_by, "url": _case_url(case)},
    )


# --- removal (F7, N14) -----------------------------------------------------------------------------

# Removed items on these grounds are secret or criminal material, registered as such (N14).
SECRET_OR_CRIMINAL = frozenset(RemovalGround) - {RemovalGround.OTHER, RemovalGround.COPYRIGHT}


@transaction.atomic
def case_remove(*, actor: User, case: Case, ground: str, reason: str = "") -> None:
    """F7/N14: remove a comment on a legal ground. The record stays in the archive marked removed,
    by whom and why, and goes to the registrar; the platform hides it where its API can, otherwise
    the case shows the steps. Child sexual abuse material is purged instead: only metadata and
    hashes are kept, and the case points to the police."""
    _require_handler(actor, case)
    try:
        ground = RemovalGround(ground)
    except ValueError:
        raise ValidationError(_("Choose the legal ground for the removal.")) from None
    reason = reason.strip()
    if ground == RemovalGround.OTHER and not reason:
        raise ValidationError(_("Say why the comment is removed when the ground is Other."))
    case = _locked(case)
    if case.state == CaseState.REMOVED:
        raise ValidationError(_("The comment has already been removed."))
    record = case.record
    info = GROUNDS[ground]
    if ground == RemovalGround.CSAM:
        archive_services.record_purge(actor=actor, record=record, ground=ground.value)
        # What matched is part of the content: it goes too, only the kind of flag stays.
        case.flags.update(matched="")
        case.replies.filter(status__in=[Reply.Status.AWAITING_REVIEW, Reply.Status.MANUAL]).delete()
        _event(case, actor, Action.PURGED, info.swedish_name)
        note = _("Purged: only metadata and hashes are kept. Report it to the police.")
        reason_code = RegistrationRequest.Reason.SECRET
    else:
        archive_services.record_remove(actor=actor, record=record, ground=ground.value, reason=reason)
        _event(case, actor, Action.REMOVED, f"{info.swedish_name}: {reason}" if reason else info.swedish_name)
        note = f"{info.swedish_name} ({info.law_reference}). {reason}".strip()
        reason_code = (
            RegistrationRequest.Reason.SECRET
            if ground in SECRET_OR_CRIMINAL
            else RegistrationRequest.Reason.REMOVED
        )
    diary.registration_request(record=record, reason=reason_code, requested_by=actor, note=note)
    _event(case, actor, Action.REGISTRATION)
    if platform.can_hide(case.platform):
        case.platform_action = PlatformAction.PENDING
        from .tasks import hide_comment

        case_id = case.pk
        transaction.on_commit(lambda: hide_comment.delay(case_id))
    else:
        case.platform_action = PlatformAction.MANUAL
    case.save(update_fields=["platform_action", "updated_at"])
    _close(case, actor, CaseState.REMOVED)


def case_hide_run(*, case_id: int) -> None:
    """Hide a removed comment on the platform (run by a task, after commit)."""
    case = Case.objects.select_related("record", "account").get(pk=case_id)
    if case.platform_action != PlatformAction.PENDING:
        return
    try:
        connector = platform.connector_for(
            case.account, purpose=_("hide a removed comment in case %(id)s") % {"id": case.pk}
        )
        connector.hide_comment(case.record.platform_id)
    except NotSupported as exc:
        _platform_outcome(case.pk, PlatformAction.MANUAL, exc.message)
    except ConnectorError as exc:
        _platform_outcome(case.pk, PlatformAction.FAILED, exc.message)
    else:
        _platform_outcome(case.pk, PlatformAction.DONE)


@transaction.atomic
def _platform_outcome(case_id: int, outcome: str, error: str = "") -> None:
    case = Case.objects.select_for_update().get(pk=case_id)
    case.platform_action, case.platform_error = outcome, error
    case.save(update_fields=["platform_action", "platform_error", "updated_at"])
    _event(
        case,
        None,
        Action.PLATFORM_HIDDEN if outcome == PlatformAction.DONE else Action.PLATFORM_FAILED,
        error,
    )
    if outcome == PlatformAction.FAILED:
        _notify_removal_failed(case)


def _notify_removal_failed(case: Case) -> None:
    """The comment is removed in smgov but still public: the person who removed it and the account's
    administrators must act on the platform. The notice names the account and the case, never the text."""
    remover = case.events.filter(action=Action.REMOVED).select_related("actor").order_by("-pk").first()
    people = [*case.account.administrators.filter(is_active=True), remover.actor if remover else None]
    reached = notify(
        people,
        Notice(
            _("Removal failed – the comment is still public on %(account)s") % {"account": case.account},
            _(
                "A comment removed in smgov could not be hidden on the platform and is still public.\n\n"
                "Try again, or remove it on the platform by hand, then confirm it in the case: %(url)s\n"
            )
            % {"url": _case_url(case)},
        ),
    )
    if reached:
        _event(case, None, Action.NOTIFIED, ", ".join(reached))


def _notify_reply_failed(case: Case, reply: Reply) -> None:
    """The citizen is still waiting: the reply's author and the account's administrators (who hold its
    login details, F2) are told, with the case and never the text."""
    people = [reply.author, *case.account.administrators.filter(is_active=True)]
    reached = notify(
        people,
        Notice(
            _("A reply could not be published on %(account)s") % {"account": case.account},
            _(
                "A reply written in smgov was not accepted by the platform. The citizen is still waiting "
                "and the deadline keeps running.\n\n"
                "Try publishing it again, or publish it on the platform by hand and record it in the case: "
                "%(url)s\n"
            )
            % {"url": _case_url(case)},
        ),
    )
    if reached:
        _event(case, None, Action.NOTIFIED, ", ".join(reached))


@transaction.atomic
def case_hide_retry(*, actor: User, case: Case) -> None:
    """Hiding on the platform failed: try it again (the comment is still public until it works)."""
    _require_handler(actor, case)
    case = _locked(case)
    if case.platform_action != PlatformAction.FAILED or not platform.can_hide(case.platform):
        raise ValidationError(_("Only a removal that failed on the platform can be tried again."))
    case.platform_action, case.platform_error = PlatformAction.PENDING, ""
    case.save(update_fields=["platform_action", "platform_error", "updated_at"])
    _event(case, actor, Action.PLATFORM_RETRY)
    from .tasks import hide_comment

    case_id = case.pk
    transaction.on_commit(lambda: hide_comment.delay(case_id))


@transaction.atomic
def case_mark_removed_on_platform(*, actor: User, case: Case) -> None:
    _require_handler(actor, case)
    case = _locked(case)
    if case.platform_action not in (PlatformAction.MANUAL, PlatformAction.FAILED):
        raise ValidationError(_("Nothing is waiting to be removed by hand."))
    case.platform_action, case.platform_error = PlatformAction.DONE, ""
    case.save(update_fields=["platform_action", "platform_error", "updated_at"])
    _event(case, actor, Action.PLATFORM_MANUAL)


# --- notifications ---------------------------------------------------------------------------------


def overdue_digest_send(*, now=None) -> int:
    """N13/N21: once a day, each department's communicators get the list of their overdue cases.
    Returns the number of departments mailed."""
    now = now or timezone.now()
    by_department: dict[int, list[Case]] = {}
    for case in selectors.overdue_cases(now=now):
        by_department.setdefault(case.department_id, []).append(case)
    mailed = 0
    for department_id, cases in by_department.items():
        recipients = list(department_communicators(department_id).values_list("email", flat=True))
        if not recipients:
            continue
        # Once a day even if the task is delivered twice (or two beats send it): the first takes the day.
        sent_key = f"moderation:overdue-digest:{department_id}:{timezone.localdate(now):%Y-%m-%d}"
        if not cache.add(sent_key, True, timeout=2 * 24 * 60 * 60):
            continue
        lines = [
            f"- {case.account.display_name}: {timezone.localtime(case.deadline):%Y-%m-%d %H:%M} {_case_url(case)}"
            for case in cases
        ]
        try:
            _send_overdue_digest(cases, lines, recipients)
        except Exception:
            cache.delete(sent_key)  # not sent: the next delivery may try again
            raise
        mailed += 1
    return mailed


def _send_overdue_digest(cases, lines, recipients) -> None:
    send_mail(
        ngettext(
            "%(count)s overdue comment in the inbox",
            "%(count)s overdue comments in the inbox",
            len(cases),
        )
        % {"count": len(cases)},
        _("These comments were not handled by their deadline:\n\n%(lines)s") % {"lines": "\n".join(lines)},
        None,
        sorted(set(recipients)),
    )


# --- saved replies and keyword rules (the municipality's own data) ----------------------------------


@transaction.atomic
def saved_reply_save(
    *,
    actor: User,
    saved_reply: SavedReply | None = None,
    title: str,
    purpose: str,
    text: str,
    is_active: bool = True,
) -> SavedReply:
    if not permissions.can_edit_settings(actor):
        raise PermissionDenied
    problems = selectors.saved_reply_problems(text)
    if len(text.strip()) > selectors.SAVED_REPLY_MAX_LENGTH:
        problems.append(
            _("A saved reply holds at most %(limit)s characters.")
            % {"limit": selectors.SAVED_REPLY_MAX_LENGTH}
        )
    if problems:
        raise ValidationError({"text": problems})
    saved_reply = saved_reply or SavedReply()
    saved_reply.title, saved_reply.purpose, saved_reply.text = title.strip(), purpose, text.strip()
    saved_reply.is_active, saved_reply.updated_by = is_active, actor
    saved_reply.full_clean()
    saved_reply.save()
    return saved_reply


@transaction.atomic
def flag_rule_save(
    *,
    actor: User,
    rule: FlagRule | None = None,
    ground: str,
    phrase: str,
    is_regex: bool = False,
    is_active: bool = True,
) -> FlagRule:
    """A keyword rule the detector cannot use is refused here, where it is entered."""
    if not permissions.can_edit_settings(actor):
        raise PermissionDenied
    phrase = phrase.strip()
    try:
        KeywordRule(ground, phrase, is_regex)
    except RuleRefused as exc:
        raise ValidationError(RULE_REFUSED[exc.code] % {"detail": exc.detail}, code=exc.code) from None
    rule = rule or FlagRule()
    rule.ground, rule.phrase, rule.is_regex, rule.is_active, rule.updated_by = (
        ground,
        phrase,
        is_regex,
        is_active,
        actor,
    )
    rule.full_clean()
    rule.save()
    selectors.flag_rules_bump_version()
    return rule


# --- F15: consent notes on own posts with photos ---------------------------------------------------


@transaction.atomic
def photo_consent_note(*, actor: User, record: Record, answer: str, note: str = "") -> PhotoConsent:
    """F15: note that those recognisable in an own post's photos consented (or that no one is,
    or that the photo was taken down). Written once; a second note for the same post is refused."""
    if not permissions.can_note_photo_consent(actor, record):
        raise PermissionDenied
    if not (record.is_own and record.kind == RecordKind.POST and record.media):
        raise ValidationError(_("Only the municipality's own posts with photos take a consent note."))
    if answer not in PhotoConsent.Answer.values:
        raise ValidationError(_("Choose an answer."))
    if answer == PhotoConsent.Answer.CONSENT and not note.strip():
        raise ValidationError(_("Say where the consent is kept."))
    try:
        with transaction.atomic():
            return PhotoConsent.objects.create(
                record=record, answer=answer, note=note.strip(), noted_by=actor
            )
    except IntegrityError:
        raise ValidationError(_("This post already has a consent note.")) from None
