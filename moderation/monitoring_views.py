"""Pages of the monitoring (N8/N9): the list per department, the watch form, a hit and its actions.
Thin: parse, ask the permission policy, call one service in ``monitoring``, answer."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department, ServiceAccount

from . import forms, monitoring, permissions, selectors
from .models import HitState, MonitoringHit, Watch


def _departments(user):
    ids = permissions.monitoring_department_ids(user)
    return Department.objects.all() if ids is None else Department.objects.filter(pk__in=ids)


@login_required
def monitoring_list(request):
    user = request.user
    if not permissions.can_use_monitoring(user):
        raise PermissionDenied
    departments = _departments(user)
    department_id = request.GET.get("avdelning", "")
    department_id = int(department_id) if department_id.isdigit() else None
    state = request.GET.get("status", "open")
    hits = monitoring.hit_list(user=user, department_id=department_id, state=state)
    watches = monitoring.watch_list(user=user)
    if department_id:
        watches = watches.filter(department_id=department_id)
    context = {
        "departments": departments,
        "department_id": department_id,
        "state": state,
        "states": [("open", _("Open")), ("all", _("All")), *HitState.choices],
        "page": Paginator(hits, 50).get_page(request.GET.get("sida")),
        "watches": watches,
        "can_keep": any(permissions.can_keep_watches(user, d) for d in departments),
    }
    return render(request, "moderation/monitoring.html", context)


def _watch_form(request, watch: Watch | None):
    user = request.user
    departments = [d.pk for d in _departments(user) if permissions.can_keep_watches(user, d)]
    if not departments or (watch is not None and watch.department_id not in departments):
        raise PermissionDenied
    kwargs = {
        "departments": Department.objects.filter(pk__in=departments),
        "accounts": ServiceAccount.objects.filter(department_id__in=departments).order_by("display_name"),
    }
    if request.method == "POST":
        form = forms.WatchForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = monitoring.watch_save(
                    actor=user,
                    department=data["department"],
                    name=data["name"],
                    terms=data["terms"],
                    interval_minutes=data["interval_minutes"],
                    sources=form.sources(),
                    account=data["account"],
                    is_active=data["is_active"],
                    watch=watch,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The watch was saved; it is read within a minute."))
                return redirect(saved)
    else:
        initial = forms.WatchForm.initial_for(watch) if watch else {"department": user.department_id}
        form = forms.WatchForm(initial=initial, **kwargs)
    title = _("Change the watch") if watch else _("New watch")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "moderation/watch_form.html", {"form": form, "title": title, "watch": watch}, status=status
    )


@login_required
def watch_new(request):
    return _watch_form(request, None)


@login_required
def watch_edit(request, pk: int):
    watch = get_object_or_404(Watch.objects.select_related("department"), pk=pk)
    if not permissions.can_use_monitoring(request.user) or not permissions.can_view_monitoring_of(
        request.user, watch.department_id
    ):
        raise PermissionDenied
    return _watch_form(request, watch)


def _hit_or_403(request, pk: int) -> MonitoringHit:
    hit = get_object_or_404(
        MonitoringHit.objects.select_related("watch", "watch__account", "department"), pk=pk
    )
    if not permissions.can_use_monitoring(request.user) or not permissions.can_view_hit(request.user, hit):
        raise PermissionDenied
    return hit


@login_required
def hit_detail(request, pk: int):
    hit = _hit_or_403(request, pk)
    user = request.user
    context = {
        "hit": hit,
        "sanitised": selectors.sanitised_html(hit.text) if hit.text_format == "html" else "",
        "sources": hit.sources.all(),
        "events": hit.events.select_related("actor"),
        "can_handle": permissions.can_handle_hit(user, hit),
        "can_answer": permissions.can_answer_hit(user, hit) and hit.state == HitState.WAITING_FOR_MANAGER,
        "can_respond": monitoring.can_respond(hit),
        "from_account": monitoring.replies_from_account(hit),
        "question_form": forms.HitQuestionForm(),
        "answer_form": forms.HitAnswerForm(),
        "response_form": forms.HitResponseForm(),
        "record_form": forms.HitRecordForm(),
        "note_form": forms.NoteForm(),
    }
    return render(request, "moderation/hit.html", context)


def _hit_action(form_class, *, answer=False):
    """A POST action on a hit: logged in, allowed, valid; a refused rule becomes a message."""

    def decorate(view):
        @login_required
        @require_POST
        @wraps(view)
        def wrapper(request, pk: int):
            hit = _hit_or_403(request, pk)
            allowed = permissions.can_answer_hit if answer else permissions.can_handle_hit
            if not allowed(request.user, hit):
                raise PermissionDenied
            form = form_class(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                return redirect(hit)
            try:
                view(request, hit, form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect(hit)

        return wrapper

    return decorate


@_hit_action(forms.HitQuestionForm)
def hit_discuss(request, hit, data):
    monitoring.hit_mark_discuss(actor=request.user, hit=hit, question=data["question"])
    messages.success(request, _("The head of the department was asked; respond once they have answered."))


@_hit_action(forms.HitAnswerForm, answer=True)
def hit_answer(request, hit, data):
    monitoring.hit_answer_manager(actor=request.user, hit=hit, answer=data["answer"])
    messages.success(request, _("Your answer was saved and the communicator was told."))


@_hit_action(forms.HitResponseForm)
def hit_respond(request, hit, data):
    monitoring.hit_respond(actor=request.user, hit=hit, text=data["text"])
    messages.success(request, _("The response was saved, signed."))


@_hit_action(forms.NoteForm)
def hit_no_action(request, hit, data):
    monitoring.hit_close_no_action(actor=request.user, hit=hit, note=data.get("note", ""))
    messages.success(request, _("The hit was closed without action."))


@_hit_action(forms.HitRecordForm)
def hit_save_record(request, hit, data):
    monitoring.hit_save_as_record(actor=request.user, hit=hit, reason=data["reason"])
    messages.success(request, _("The hit was saved as a public record in the archive."))
