"""The moderation permission policy: who may see and handle which cases.

Communicators handle the cases of their own department's accounts; the web communicator handles
every department's. The head of a department sees the department's cases, and clears the ones
held for discussion with the manager (N9). A person a question was forwarded to (F9, N5) gets a
django-guardian object permission on that one case, for the answer page and the review.
"""

from django.db.models import QuerySet

from accounts.roles import Area, Role, Scope, department_scope, has_role, in_scope, scope

from .models import Case, Forward, MonitoringHit, PostDraft, Reply, Watch

HANDLERS = (Role.COMMUNICATOR, Role.WEB_COMMUNICATOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_use_inbox(user) -> bool:
    return _active(user) and has_role(user, Role.COMMUNICATOR, Role.WEB_COMMUNICATOR, Role.HEAD_OF_DEPARTMENT)


def visible_cases(user) -> QuerySet[Case]:
    if not can_use_inbox(user):
        return Case.objects.none()
    if has_role(user, Role.WEB_COMMUNICATOR):
        return Case.objects.all()
    if user.department_id is None:
        return Case.objects.none()
    return Case.objects.filter(department_id=user.department_id)


def can_view_case(user, case: Case) -> bool:
    if not can_use_inbox(user):
        return False
    return has_role(user, Role.WEB_COMMUNICATOR) or case.department_id == user.department_id


def can_handle_case(user, case: Case) -> bool:
    """Assign, reply, forward, remove, close: the department's communicators and the web communicator."""
    if not _active(user):
        return False
    if has_role(user, Role.WEB_COMMUNICATOR):
        return True
    return has_role(user, Role.COMMUNICATOR) and case.department_id == user.department_id


def handled_cases(user) -> QuerySet[Case]:
    """The cases `can_handle_case` allows, as a queryset (bulk actions)."""
    if not _active(user):
        return Case.objects.none()
    if has_role(user, Role.WEB_COMMUNICATOR):
        return Case.objects.all()
    if has_role(user, Role.COMMUNICATOR) and user.department_id:
        return Case.objects.filter(department_id=user.department_id)
    return Case.objects.none()


def can_clear_manager(user, case: Case) -> bool:
    """N9: the head of the case's department."""
    return _active(user) and case.department.head_id == user.pk


def can_answer_forward(user, forward: Forward) -> bool:
    return (
        _active(user)
        and forward.to_user_id == user.pk
        and user.has_perm("moderation.answer_case", forward.case)
    )


def can_answer_forward_by_link(forward: Forward) -> bool:
    """A question mailed to an outside address is answered through its link alone: once, while the
    case is open. A question to a person with a login always needs that login."""
    return forward.to_user_id is None and forward.answered_at is None and forward.case.is_open


def can_review_reply(user, reply: Reply) -> bool:
    return (
        _active(user) and reply.reviewer_id == user.pk and user.has_perm("moderation.answer_case", reply.case)
    )


def can_act_in_inbox(user) -> bool:
    """Bulk actions in the inbox; each case is still checked with `handled_cases`."""
    return _active(user) and has_role(user, *HANDLERS)


def can_edit_settings(user) -> bool:
    """Saved replies and the keyword rules are shared by the municipality's communicators."""
    return _active(user) and has_role(user, *HANDLERS)


# F15: consent notes on the municipality's own posts with photos.


def photo_department_ids(user) -> list[int] | None:
    """The departments whose photo posts a person sees: None means every department."""
    if not can_use_inbox(user):
        return []
    if has_role(user, Role.WEB_COMMUNICATOR):
        return None
    return [user.department_id] if user.department_id else []


def older_item_department_ids(user) -> list[int] | None:
    """The departments whose older items' personal data a person sees, as with the inbox: None
    means every department."""
    return photo_department_ids(user)


def can_note_photo_consent(user, record) -> bool:
    """The communicators of the post's department, and the web communicator."""
    if not _active(user):
        return False
    if has_role(user, Role.WEB_COMMUNICATOR):
        return True
    return has_role(user, Role.COMMUNICATOR) and record.department_id == user.department_id


# N8/N9: monitoring. The department's communicators, the web communicator and the information unit
# keep the watches and handle the hits; the head of the department sees them and answers the ones
# sent to discuss first.

MONITORING_ALL = (Role.WEB_COMMUNICATOR, Role.INFORMATION_UNIT)


def can_use_monitoring(user) -> bool:
    return _active(user) and has_role(user, Role.COMMUNICATOR, Role.HEAD_OF_DEPARTMENT, *MONITORING_ALL)


def monitoring_department_ids(user) -> list[int] | None:
    """The departments whose monitoring a person sees: None means every department."""
    if not can_use_monitoring(user):
        return []
    if has_role(user, *MONITORING_ALL):
        return None
    return [user.department_id] if user.department_id else []


def visible_hits(user) -> QuerySet[MonitoringHit]:
    ids = monitoring_department_ids(user)
    return MonitoringHit.objects.all() if ids is None else MonitoringHit.objects.filter(department_id__in=ids)


def visible_watches(user) -> QuerySet[Watch]:
    ids = monitoring_department_ids(user)
    return Watch.objects.all() if ids is None else Watch.objects.filter(department_id__in=ids)


def can_view_monitoring_of(user, department_id: int) -> bool:
    """Whether a person sees the watches and hits of this department."""
    ids = monitoring_department_ids(user)
    return ids is None or department_id in ids


def can_view_hit(user, hit) -> bool:
    return can_view_monitoring_of(user, hit.department_id)


def can_keep_watches(user, department) -> bool:
    """Create and change a department's watches, and handle its hits."""
    if not _active(user):
        return False
    if has_role(user, *MONITORING_ALL):
        return True
    return has_role(user, Role.COMMUNICATOR) and user.department_id == department.pk


def can_handle_hit(user, hit) -> bool:
    return can_keep_watches(user, hit.department)


def can_answer_hit(user, hit) -> bool:
    """N9: the head of the hit's department."""
    return _active(user) and hit.department.head_id == user.pk


# Publishing: the department's communicators and the web communicator compose, send for review and
# publish the department's posts (F5, N5); the named reviewer reviews the one post sent to them.


def can_use_publishing(user) -> bool:
    return _active(user) and scope(user, Area.PUBLISHING) != Scope.NONE


def publishing_department_ids(user) -> list[int] | None:
    """The departments whose posts a person sees and composes: None means every department."""
    if not can_use_publishing(user):
        return []
    return department_scope(user, Area.PUBLISHING, change=True)


def visible_posts(user) -> QuerySet[PostDraft]:
    ids = publishing_department_ids(user)
    return PostDraft.objects.all() if ids is None else PostDraft.objects.filter(department_id__in=ids)


def can_compose_for(user, department_id: int | None) -> bool:
    return (
        department_id is not None
        and can_use_publishing(user)
        and in_scope(user, Area.PUBLISHING, department_id, change=True)
    )


def can_handle_post(user, draft) -> bool:
    """Edit, screen, answer consent, send for review, publish: the department's composers."""
    return can_compose_for(user, draft.department_id)


def can_review_post(user, draft) -> bool:
    """N5: only the person the post was sent to, while it waits for them."""
    return _active(user) and draft.reviewer_id == user.pk


def can_view_post(user, draft) -> bool:
    return can_handle_post(user, draft) or can_review_post(user, draft)
