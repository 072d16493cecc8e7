"""Pages of publishing: the posts, composing, the review, the actions on a post and the calendar.
Thin: parse, ask the permission policy, call one service in ``publishing``, answer."""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AccountState, Department, ServiceAccount

from . import permissions, publishing
from . import publishing_forms as forms
from .models import PostDraft, PostFinding, PostMedia, PostTarget


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _composable_departments(user):
    ids = permissions.publishing_department_ids(user)
    return Department.objects.all() if ids is None else Department.objects.filter(pk__in=ids)


def _post_or_403(request, pk: int, *, review: bool = False) -> PostDraft:
    draft = get_object_or_404(PostDraft.objects.select_related("department", "author", "reviewer"), pk=pk)
    allowed = permissions.can_review_post if review else permissions.can_handle_post
    if not allowed(request.user, draft):
        raise PermissionDenied
    return draft


@login_required
def post_list(request):
    user = request.user
    if not permissions.can_use_publishing(user):
        raise PermissionDenied
    state = request.GET.get("status", "")
    if state not in PostDraft.State.values:
        state = ""
    posts = publishing.post_list(user=user, state=state)
    context = {
        "page": Paginator(posts, 25).get_page(request.GET.get("sida")),
        "state": state,
        "states": PostDraft.State.choices,
        "query_string": f"status={state}" if state else "",
        "to_review": publishing.posts_to_review(user=user),
    }
    return render(request, "moderation/publishing/list.html", context)


def _compose(request, draft: PostDraft | None):
    user = request.user
    if draft is None:
        departments = _composable_departments(user)
        if not permissions.can_use_publishing(user) or not departments.exists():
            raise PermissionDenied
    else:
        departments = Department.objects.filter(pk=draft.department_id)
        if not draft.is_editable:
            messages.error(request, _("A post being published or published cannot be changed."))
            return redirect(draft)
    accounts = ServiceAccount.objects.filter(department__in=departments, state=AccountState.ACTIVE).order_by(
        "department__name", "display_name"
    )
    kwargs = {"departments": departments, "accounts": accounts, "draft": draft}
    if request.method == "POST":
        form = forms.PostForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                saved = publishing.post_draft_save(actor=user, draft=draft, **form.service_arguments())
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect(saved)
    else:
        initial = forms.PostForm.initial_for(draft) if draft else {"department": user.department_id}
        form = forms.PostForm(initial=initial, **kwargs)
    context = {"form": form, "draft": draft, "title": _("Change the post") if draft else _("New post")}
    return render(request, "moderation/publishing/compose.html", context, status=400 if form.errors else 200)


@login_required
def post_new(request):
    return _compose(request, None)


@login_required
def post_edit(request, pk: int):
    return _compose(request, _post_or_403(request, pk))


@login_required
def post_detail(request, pk: int):
    draft = _post_or_403(request, pk)
    targets = list(draft.targets.select_related("account", "record"))
    for target in targets:
        target.to_copy = publishing.published_text(target.text, draft.link)
        target.manual_form = forms.ManualLinkForm(prefix=f"t{target.pk}")
    context = {
        "draft": draft,
        "targets": targets,
        "media": draft.media.all(),
        "findings": draft.findings.select_related("confirmed_by"),
        "blockers": publishing.publish_blockers(draft),
        "review_blockers": publishing.publish_blockers(draft, for_review=True),
        "events": draft.events.select_related("actor", "target__account"),
        "consent_form": forms.ConsentForm(initial={"answer": draft.consent, "note": draft.consent_note}),
        "review_form": forms.SendForReviewForm(draft=draft),
        "schedule_form": forms.ScheduleForm(),
    }
    return render(request, "moderation/publishing/detail.html", context)


@login_required
def post_delete(request, pk: int):
    draft = _post_or_403(request, pk)
    if request.method == "POST":
        try:
            publishing.post_draft_delete(actor=request.user, draft=draft)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(draft)
        messages.success(request, _("The draft was deleted."))
        return redirect("moderation:posts")
    return render(request, "moderation/publishing/delete.html", {"draft": draft})


def _post_action(form_class=None):
    """A POST action on a post: logged in, allowed, valid; a refused rule becomes a message."""

    def decorate(view):
        @login_required
        @require_POST
        @wraps(view)
        def wrapper(request, pk: int, **kwargs):
            draft = _post_or_403(request, pk)
            data = {}
            if form_class is not None:
                form = (
                    form_class(request.POST, draft=draft)
                    if form_class is forms.SendForReviewForm
                    else form_class(request.POST)
                )
                if not form.is_valid():
                    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                    return redirect(draft)
                data = form.cleaned_data
            try:
                view(request, draft, data, **kwargs)
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            return redirect(draft)

        return wrapper

    return decorate


@_post_action()
def post_finding_confirm(request, draft, data, finding_id: int):
    finding = get_object_or_404(PostFinding, pk=finding_id, draft=draft)
    publishing.post_finding_confirm(actor=request.user, finding=finding)
    messages.success(request, _("Confirmed: it may be published. Your confirmation is logged."))


@_post_action(forms.ConsentForm)
def post_consent(request, draft, data):
    publishing.post_consent_answer(actor=request.user, draft=draft, answer=data["answer"], note=data["note"])
    messages.success(request, _("The consent answer was saved."))


@_post_action(forms.SendForReviewForm)
def post_send_review(request, draft, data):
    publishing.post_send_for_review(actor=request.user, draft=draft, reviewer=data["reviewer"])
    messages.success(request, _("The post was sent for review."))


@_post_action()
def post_publish(request, draft, data):
    publishing.post_publish_now(actor=request.user, draft=draft)
    messages.success(request, _("The post is being published."))


@_post_action(forms.ScheduleForm)
def post_schedule(request, draft, data):
    publishing.post_schedule(actor=request.user, draft=draft, publish_at=data["publish_at"])
    messages.success(request, _("The post was scheduled."))


@_post_action()
def post_target_retry(request, draft, data, target_id: int):
    target = get_object_or_404(PostTarget, pk=target_id, draft=draft)
    publishing.post_target_retry(actor=request.user, target=target)
    messages.success(request, _("The post is being published again."))


@login_required
@require_POST
def post_target_manual(request, pk: int, target_id: int):
    draft = _post_or_403(request, pk)
    target = get_object_or_404(PostTarget, pk=target_id, draft=draft)
    form = forms.ManualLinkForm(request.POST, prefix=f"t{target.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(draft)
    try:
        publishing.post_target_record_manual(
            actor=request.user, target=target, permalink=form.cleaned_data["permalink"]
        )
        messages.success(request, _("The post was recorded as published by hand."))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(draft)


@login_required
def post_review(request, pk: int):
    draft = _post_or_403(request, pk, review=True)
    form = forms.PostReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publishing.post_review(
                actor=request.user,
                draft=draft,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Thank you: your review was saved."))
            return redirect("moderation:post_review", pk=draft.pk)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
    context = {
        "draft": draft,
        "targets": draft.targets.select_related("account"),
        "media": draft.media.all(),
        "findings": draft.findings.select_related("confirmed_by"),
        "form": form,
    }
    return render(request, "moderation/publishing/review.html", context, status=400 if form.errors else 200)


@login_required
def post_media(request, pk: int, media_id: int):
    draft = get_object_or_404(PostDraft, pk=pk)
    if not permissions.can_view_post(request.user, draft):
        raise PermissionDenied
    item = get_object_or_404(PostMedia, pk=media_id, draft=draft)
    return FileResponse(item.file.open("rb"), content_type=item.content_type, filename=item.filename)


@require_GET
def post_media_public(request, token: str):
    """A photo of a post being published, for the platform that fetches it from its address."""
    item = publishing.post_media_by_public_token(token)
    if item is None:
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def post_calendar(request):
    user = request.user
    if not permissions.can_use_publishing(user):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("manad", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    department_id = request.GET.get("avdelning", "")
    department_id = int(department_id) if department_id.isdigit() else None
    days = publishing.post_calendar(user=user, year=year, month=month, department_id=department_id)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    context = {
        "month": date(year, month, 1),
        "days": sorted(days.items()),
        "previous": previous,
        "following": following,
        "departments": _composable_departments(user),
        "department_id": department_id,
        "today": today,
    }
    return render(request, "moderation/publishing/calendar.html", context)
