"""Pages of the inbox. Thin: parse, ask the permission policy, call one service, answer."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from archive.models import Record

from . import forms, permissions, platform, selectors, services
from .flags import GROUNDS, RemovalGround
from .models import Case, FlagRule, Forward, PlatformAction, Reply, SavedReply

PAGE_SIZE = 50


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _filters(request, choices) -> tuple[forms.InboxFilterForm, selectors.InboxFilters]:
    form = forms.InboxFilterForm(request.GET or None, **choices)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.InboxFilters(
        account=data.get("account"),
        platform=data.get("platform") or "",
        state=data.get("state") or "open",
        flag=data.get("flag") or "",
        assignee=data.get("assignee") or "",
        sort=data.get("sort") or "deadline",
    )
    return form, filters


@login_required
def inbox(request):
    user = request.user
    if not permissions.can_use_inbox(user):
        raise PermissionDenied
    choices = selectors.inbox_filter_choices(user=user)
    form, filters = _filters(request, choices)
    cases = selectors.inbox_cases(user=user, filters=filters)
    page = Paginator(selectors.ChosenByIdFirst(cases), PAGE_SIZE).get_page(request.GET.get("sida"))
    query = {k: v for k, v in request.GET.items() if k != "sida" and v}
    context = {
        "form": form,
        "page": page,
        "now": timezone.now(),
        "query_string": urlencode(query),
        "can_bulk": permissions.can_act_in_inbox(user),
        "filters": filters,
    }
    template = "moderation/includes/inbox_list.html" if request.htmx else "moderation/inbox.html"
    return render(request, template, context)


@login_required
@require_POST
def inbox_bulk(request):
    ids = [int(value) for value in request.POST.getlist("case") if value.isdigit()]
    action = request.POST.get("action")
    if not permissions.can_act_in_inbox(request.user):
        raise PermissionDenied
    if not ids:
        messages.warning(request, _("Choose at least one case."))
    elif action == "assign_me":
        count = services.cases_assign_to_me(actor=request.user, case_ids=ids)
        messages.success(
            request,
            ngettext("%(count)s case assigned to you.", "%(count)s cases assigned to you.", count)
            % {"count": count},
        )
    elif action == "no_action":
        count = services.cases_close_no_action(actor=request.user, case_ids=ids)
        messages.success(
            request,
            ngettext("%(count)s case closed without action.", "%(count)s cases closed without action.", count)
            % {"count": count},
        )
    else:
        messages.error(request, _("Choose what to do with the cases."))
    next_query = request.POST.get("next", "")
    return redirect(reverse("moderation:inbox") + (f"?{next_query}" if next_query else ""))


def _case_or_403(request, pk: int) -> Case:
    case = get_object_or_404(
        Case.objects.select_related("record", "account", "department", "assignee"), pk=pk
    )
    if not permissions.can_view_case(request.user, case):
        raise PermissionDenied
    return case


def _handler_view(view):
    """A POST action on a case: logged in, allowed to handle it; a refused rule becomes a message."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request, pk: int, *args, **kwargs):
        case = _case_or_403(request, pk)
        if not permissions.can_handle_case(request.user, case):
            raise PermissionDenied
        try:
            response = view(request, case, *args, **kwargs)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(case)
        return response or redirect(case)

    return wrapper


def _people_for(case: Case):
    return (
        User.objects.filter(is_active=True)
        .exclude(department__isnull=True)
        .order_by("first_name", "last_name")
    )


def _case_page(request, case: Case, *, status: int = 200, **bound):
    user = request.user
    can_handle = permissions.can_handle_case(user, case)
    flags = list(case.flags.all())
    text = selectors.plain_text(case.record.text, case.record.text_format)
    people = _people_for(case)
    saved = selectors.saved_replies() if can_handle else []
    reply_form = bound.get("reply_form")
    signature, signature_problem = "", ""
    if can_handle:
        try:
            signature = services.signature_for(user)
        except ValidationError as exc:
            signature_problem = _errors(exc)
    if reply_form is None:
        reply_form = forms.ReplyForm(reviewers=people, platform=case.account.platform, signature=signature)
    context = {
        "case": case,
        "record": case.record,
        "thread": selectors.case_thread(case=case),
        "flags": flags,
        "segments": selectors.highlighted(text, flags),
        "sanitised": selectors.sanitised_html(case.record.text) if case.record.text_format == "html" else "",
        "events": case.events.select_related("actor"),
        "replies": case.replies.select_related("author", "reviewer", "reviewed_by"),
        "forwards": case.forwards.select_related("asked_by", "to_user", "answered_by"),
        "can_handle": can_handle,
        "can_clear_manager": permissions.can_clear_manager(user, case),
        "now": timezone.now(),
        "overdue": case.is_open and case.deadline < timezone.now(),
        "saved_replies": [(s, selectors.saved_reply_text(saved_reply=s, case=case)) for s in saved],
        "reply_form": reply_form,
        "signature": signature,
        "signature_problem": signature_problem,
        "forward_form": bound.get("forward_form") or forms.ForwardForm(people=people),
        "remove_form": bound.get("remove_form") or forms.RemoveForm(),
        "assign_form": forms.AssignForm(department=case.department, initial={"assignee": case.assignee_id}),
        "manual_form": forms.ManualReplyForm(),
        "answer_form": forms.AnswerForm(),
        "note_form": forms.NoteForm(),
        "removal_steps": platform.removal_steps(case.platform),
        "can_publish": platform.can_publish(case.platform),
        "ground": GROUNDS.get(RemovalGround(case.record.removal_ground))
        if case.record.removal_ground
        else None,
        "is_csam": case.record.removal_ground == RemovalGround.CSAM,
    }
    return render(request, "moderation/case.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    return _case_page(request, _case_or_403(request, pk))


@_handler_view
def case_assign(request, case):
    form = forms.AssignForm(request.POST, department=case.department)
    if form.is_valid():
        services.case_assign(actor=request.user, case=case, assignee=form.cleaned_data["assignee"])
        messages.success(request, _("The assignment was saved."))


@_handler_view
def case_take(request, case):
    services.case_assign(actor=request.user, case=case, assignee=request.user)
    messages.success(request, _("The case is assigned to you."))


@_handler_view
def case_no_action(request, case):
    form = forms.NoteForm(request.POST)
    form.is_valid()
    services.case_close_no_action(actor=request.user, case=case, note=form.cleaned_data.get("note", ""))
    messages.success(
        request, _("The case was closed without action. The comment is kept as a public record.")
    )
    return redirect("moderation:inbox")


@_handler_view
def case_reopen(request, case):
    services.case_reopen(actor=request.user, case=case)
    messages.success(request, _("The case was reopened."))


def _reply_with_saved(request, case):
    """Without JavaScript, choosing a saved reply sends the form: the saved text is added after what was
    already typed and the form is shown again, nothing is published. (With JavaScript the text is put
    at the cursor without leaving the page.)"""
    chosen = next((s for s in selectors.saved_replies() if str(s.pk) == request.POST["use_saved"]), None)
    typed = request.POST.get("text", "").rstrip()
    if chosen is not None:
        template_text = selectors.saved_reply_text(saved_reply=chosen, case=case)
        typed = f"{typed}\n\n{template_text}" if typed else template_text
    try:
        signature = services.signature_for(request.user)
    except ValidationError:
        signature = ""
    form = forms.ReplyForm(
        reviewers=_people_for(case),
        initial={"text": typed, "reviewer": request.POST.get("reviewer") or None},
        platform=case.account.platform,
        signature=signature,
    )
    return _case_page(request, case, reply_form=form)


@_handler_view
def case_reply(request, case):
    if request.POST.get("use_saved"):
        return _reply_with_saved(request, case)
    try:
        signature = services.signature_for(request.user)
    except ValidationError:
        signature = ""  # the service refuses the reply and says why
    form = forms.ReplyForm(
        request.POST, reviewers=_people_for(case), platform=case.account.platform, signature=signature
    )
    if not form.is_valid():
        return _case_page(request, case, status=400, reply_form=form)
    data = form.cleaned_data
    if data["discuss_with_manager"]:
        services.case_request_manager(actor=request.user, case=case, note=data["text"])
        messages.success(
            request, _("The case waits for a talk with the manager; your draft is in the history.")
        )
        return None
    try:
        reply = services.reply_submit(
            actor=request.user, case=case, text=data["text"], reviewer=data["reviewer"]
        )
    except ValidationError as exc:
        if exc.code == "comment_deleted":  # the case is closed now: show it as it is
            messages.error(request, _errors(exc))
            return None
        form.add_error(None, _errors(exc))
        return _case_page(request, case, status=400, reply_form=form)
    if reply.status == Reply.Status.AWAITING_REVIEW:
        messages.success(
            request, _("The reply was sent to %(person)s for review.") % {"person": reply.reviewer}
        )
    elif reply.status == Reply.Status.PUBLISHING:
        messages.success(request, _("The reply is being published on the platform."))
    else:
        messages.warning(
            request,
            _("This platform cannot publish replies from here: publish it by hand, then record the link."),
        )
    return None


@login_required
@require_POST
def reply_manual(request, pk: int, reply_id: int):
    case = _case_or_403(request, pk)
    reply = get_object_or_404(Reply, pk=reply_id, case=case)
    if not permissions.can_handle_case(request.user, case):
        raise PermissionDenied
    form = forms.ManualReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid link."))
        return redirect(case)
    try:
        services.reply_record_manual(
            actor=request.user, reply=reply, permalink=form.cleaned_data["permalink"]
        )
        messages.success(request, _("The case is recorded as answered on the platform."))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(case)


@login_required
@require_POST
def reply_retry(request, pk: int, reply_id: int):
    case = _case_or_403(request, pk)
    reply = get_object_or_404(Reply, pk=reply_id, case=case)
    if not permissions.can_handle_case(request.user, case):
        raise PermissionDenied
    try:
        services.reply_retry(actor=request.user, reply=reply)
        messages.success(request, _("The reply is being published again."))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(case)


@_handler_view
def case_forward(request, case):
    form = forms.ForwardForm(request.POST, people=_people_for(case))
    if not form.is_valid():
        return _case_page(request, case, status=400, forward_form=form)
    data = form.cleaned_data
    try:
        forward = services.forward_create(
            actor=request.user,
            case=case,
            question=data["question"],
            due_on=data["due_on"],
            to_user=data["to_user"],
            to_email=data["to_email"] or "",
        )
    except ValidationError as exc:
        form.add_error(None, _errors(exc))
        return _case_page(request, case, status=400, forward_form=form)
    messages.success(request, _("The question was sent to %(to)s.") % {"to": forward.recipient})
    return None


@login_required
@require_POST
def forward_record_answer(request, pk: int, forward_id: int):
    """An answer that came back by e-mail, recorded by a communicator."""
    case = _case_or_403(request, pk)
    forward = get_object_or_404(Forward, pk=forward_id, case=case)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.forward_answer(actor=request.user, forward=forward, answer=form.cleaned_data["answer"])
            messages.success(request, _("The answer was saved in the case."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Write the answer."))
    return redirect(case)


@_handler_view
def case_remove(request, case):
    form = forms.RemoveForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, remove_form=form)
    try:
        services.case_remove(
            actor=request.user,
            case=case,
            ground=form.cleaned_data["ground"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        form.add_error(None, _errors(exc))
        return _case_page(request, case, status=400, remove_form=form)
    case.refresh_from_db(fields=["platform_action"])
    if case.platform_action == PlatformAction.PENDING:
        messages.success(
            request,
            _(
                "The removal was recorded and sent to the registrar. The comment is being removed on the platform."
            ),
        )
    else:
        messages.warning(
            request,
            _(
                "The removal was recorded and sent to the registrar. Remove the comment by hand on the platform, then confirm it here."
            ),
        )
    return None


@_handler_view
def case_platform_retry(request, case):
    services.case_hide_retry(actor=request.user, case=case)
    messages.success(request, _("The comment is being removed on the platform again."))


@_handler_view
def case_platform_done(request, case):
    services.case_mark_removed_on_platform(actor=request.user, case=case)
    messages.success(request, _("Recorded as removed on the platform."))


@_handler_view
def case_manager_request(request, case):
    form = forms.NoteForm(request.POST)
    form.is_valid()
    services.case_request_manager(actor=request.user, case=case, note=form.cleaned_data.get("note", ""))
    messages.success(request, _("The manager was asked to discuss the comment first."))


@login_required
@require_POST
def case_manager_clear(request, pk: int):
    case = _case_or_403(request, pk)
    if not permissions.can_clear_manager(request.user, case):
        raise PermissionDenied
    form = forms.NoteForm(request.POST)
    form.is_valid()
    try:
        services.case_clear_manager(actor=request.user, case=case, note=form.cleaned_data.get("note", ""))
        messages.success(request, _("Discussed: the comment may be answered now."))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(case)


# --- pages for the expert (F9, N5) -----------------------------------------------------------------


def forward_answer(request, token: str):
    """The page the link in the expert's mail opens. A person with a login answers logged in; an
    outside address answers through the link alone, once, while the case is open."""
    forward = get_object_or_404(
        Forward.objects.select_related("case__record", "case__account", "asked_by"), token=token
    )
    by_link = forward.to_user_id is None
    if not by_link and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not by_link and not permissions.can_answer_forward(request.user, forward):
        raise PermissionDenied
    case = forward.case
    open_to_answer = permissions.can_answer_forward_by_link(forward) if by_link else not forward.answered_at
    form = forms.AnswerForm(request.POST or None)
    if request.method == "POST" and open_to_answer and form.is_valid():
        try:
            if by_link:
                services.forward_answer_by_link(token=token, answer=form.cleaned_data["answer"])
            else:
                services.forward_answer(
                    actor=request.user, forward=forward, answer=form.cleaned_data["answer"]
                )
            messages.success(request, _("Thank you: your answer was sent back to the case."))
            return redirect("moderation:forward_answer", token=token)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
    show_comment = open_to_answer and not case.is_purged
    return render(
        request,
        "moderation/forward_answer.html",
        {
            "forward": forward,
            "case": case,
            "record": case.record,
            "open_to_answer": open_to_answer,
            "text": selectors.plain_text(case.record.text, case.record.text_format) if show_comment else "",
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def reply_review(request, reply_id: int):
    reply = get_object_or_404(
        Reply.objects.select_related("case__record", "case__account", "author"), pk=reply_id
    )
    if not permissions.can_review_reply(request.user, reply):
        raise PermissionDenied
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_review(
                actor=request.user,
                reply=reply,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Thank you: your review was saved."))
            return redirect("moderation:reply_review", reply_id=reply.pk)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
    case = reply.case
    return render(
        request,
        "moderation/reply_review.html",
        {
            "reply": reply,
            "case": case,
            "text": "" if case.is_purged else selectors.plain_text(case.record.text, case.record.text_format),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


# --- the municipality's saved replies and keyword rules --------------------------------------------


def _settings_user(request):
    if not permissions.can_edit_settings(request.user):
        raise PermissionDenied


@login_required
def saved_reply_list(request):
    _settings_user(request)
    return render(
        request,
        "moderation/saved_replies.html",
        {"saved_replies": SavedReply.objects.order_by("purpose", "title")},
    )


def _settings_edit(request, *, model, pk, form_class, save, saved_message, list_url, title):
    """Edit one of the municipality's settings (a saved reply, a keyword rule) through its service."""
    _settings_user(request)
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            save(instance, form.cleaned_data)
            messages.success(request, saved_message)
            return redirect(list_url)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
    return render(
        request,
        "moderation/settings_form.html",
        {"form": form, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
def saved_reply_edit(request, pk: int | None = None):
    return _settings_edit(
        request,
        model=SavedReply,
        pk=pk,
        form_class=forms.SavedReplyForm,
        save=lambda instance, data: services.saved_reply_save(
            actor=request.user, saved_reply=instance, **data
        ),
        saved_message=_("The saved reply was saved."),
        list_url="moderation:saved_replies",
        title=_("Saved reply"),
    )


@login_required
def flag_rule_list(request):
    _settings_user(request)
    rules = FlagRule.objects.order_by("ground", "phrase")
    page = Paginator(rules, 100).get_page(request.GET.get("sida"))
    return render(request, "moderation/flag_rules.html", {"page": page, "grounds": GROUNDS})


@login_required
def flag_rule_edit(request, pk: int | None = None):
    return _settings_edit(
        request,
        model=FlagRule,
        pk=pk,
        form_class=forms.FlagRuleForm,
        save=lambda instance, data: services.flag_rule_save(actor=request.user, rule=instance, **data),
        saved_message=_("The keyword rule was saved."),
        list_url="moderation:flag_rules",
        title=_("Keyword rule"),
    )


# --- F14: personal data in comments from before an account's first harvest --------------------------


@login_required
def older_personal_data(request):
    if not permissions.can_use_inbox(request.user):
        raise PermissionDenied
    records = selectors.older_items_with_personal_data(user=request.user)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("sida"))
    for record in page:
        flags = list(record.older_item_flags.all())
        text = selectors.plain_text(record.text, record.text_format)
        record.flags, record.segments = flags, selectors.highlighted(text, flags)
    return render(request, "moderation/older_personal_data.html", {"page": page})


# --- F15: consent notes on the municipality's own posts with photos --------------------------------


@login_required
def photo_consents(request):
    if not permissions.can_use_inbox(request.user):
        raise PermissionDenied
    waiting = selectors.photos_awaiting_consent(user=request.user)
    page = Paginator(waiting, 20).get_page(request.GET.get("sida"))
    for record in page:
        record.can_note = permissions.can_note_photo_consent(request.user, record)
        record.form = forms.PhotoConsentForm(prefix=f"p{record.pk}")
    return render(
        request,
        "moderation/photo_consents.html",
        {"page": page, "noted": selectors.photo_consents_noted(user=request.user)},
    )


@login_required
@require_POST
def photo_consent_note(request, record_pk: int):
    record = get_object_or_404(Record, pk=record_pk)
    if not permissions.can_note_photo_consent(request.user, record):
        raise PermissionDenied
    form = forms.PhotoConsentForm(request.POST, prefix=f"p{record.pk}")
    if form.is_valid():
        try:
            services.photo_consent_note(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("The consent note was saved."))
            return redirect("moderation:photo_consents")
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
    record.can_note, record.form = True, form
    return render(
        request,
        "moderation/photo_consents.html",
        {"page": [record], "noted": [], "single": True},
        status=400,
    )
