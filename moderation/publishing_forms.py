"""Forms of publishing: they parse input; the rules are in publishing.py."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smgov.lib import limits

from . import publishing
from .models import PostDraft

MEDIA_SLOTS = 4


class PostForm(forms.Form):
    """A post: the accounts it goes to, the common text and each account's own text (counted the
    way its platform counts), a link, and photos or videos each with its description."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=None, empty_label=None)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Publish on"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=limits.ANSWER,
        help_text=_("Used on every chosen account that has no text of its own below."),
    )
    link = forms.URLField(label=_("Link (optional)"), required=False, max_length=1000, assume_scheme="https")

    def __init__(self, *args, departments, accounts, draft: PostDraft | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.fields["department"].queryset = departments
        self.fields["accounts"].queryset = accounts
        self.fields["accounts"].label_from_instance = lambda a: (
            f"{a.display_name} ({a.get_platform_display()})"
        )
        limits_seen = [publishing.post_limit(a) for a in accounts]
        if limits_seen:
            limit, unit = min(limits_seen)
            self.fields["text"].widget.attrs.update({"data-reply-limit": limit, "data-reply-count": unit})
        self.account_fields = []
        for account in accounts:
            limit, unit = publishing.post_limit(account)
            name = f"text_{account.pk}"
            self.fields[name] = forms.CharField(
                label=_("Own text for %(account)s (optional)") % {"account": account.display_name},
                required=False,
                max_length=limits.ANSWER,
                widget=forms.Textarea(attrs={"rows": 3, "data-reply-limit": limit, "data-reply-count": unit}),
            )
            self.account_fields.append(name)
        self.existing = list(draft.media.all()) if draft else []
        for item in self.existing:
            self.fields[f"alt_{item.pk}"] = forms.CharField(
                label=_("Description of %(file)s") % {"file": item.filename},
                max_length=1500,
                initial=item.alt_text,
            )
            self.fields[f"remove_{item.pk}"] = forms.BooleanField(
                label=_("Remove %(file)s") % {"file": item.filename}, required=False
            )
        self.slots = []
        for number in range(1, MEDIA_SLOTS - len(self.existing) + 1):
            self.fields[f"file_{number}"] = forms.FileField(
                label=_("Photo or video %(number)s") % {"number": number}, required=False
            )
            self.fields[f"file_alt_{number}"] = forms.CharField(
                label=_("Description of photo or video %(number)s (alt text)") % {"number": number},
                required=False,
                max_length=1500,
                help_text=_("What it shows, for those who cannot see it. Required with a file."),
            )
            self.slots.append((f"file_{number}", f"file_alt_{number}"))

    @classmethod
    def initial_for(cls, draft: PostDraft) -> dict:
        initial = {
            "department": draft.department_id,
            "accounts": [t.account_id for t in draft.targets.all()],
            "text": draft.text,
            "link": draft.link,
        }
        for target in draft.targets.all():
            if target.text != draft.text:
                initial[f"text_{target.account_id}"] = target.text
        return initial

    def clean(self):
        data = super().clean()
        for file_name, alt_name in self.slots:
            if data.get(file_name) and not (data.get(alt_name) or "").strip():
                self.add_error(
                    alt_name, _("Describe the photo or video for those who cannot see it (alt text).")
                )
        return data

    def account_field_rows(self):
        return [self[name] for name in self.account_fields]

    def existing_rows(self):
        return [(item, self[f"alt_{item.pk}"], self[f"remove_{item.pk}"]) for item in self.existing]

    def slot_rows(self):
        return [(self[file_name], self[alt_name]) for file_name, alt_name in self.slots]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        accounts = list(data["accounts"])
        media = []
        for file_name, alt_name in self.slots:
            upload = data.get(file_name)
            if upload:
                media.append(
                    publishing.NewMedia(
                        upload.name,
                        upload.content_type or "application/octet-stream",
                        upload.read(),
                        data.get(alt_name) or "",
                    )
                )
        return {
            "department": data["department"],
            "accounts": accounts,
            "text": data["text"],
            "texts": {a.pk: data.get(f"text_{a.pk}") or "" for a in accounts},
            "link": data.get("link") or "",
            "media": media,
            "alt_texts": {item.pk: data.get(f"alt_{item.pk}") or "" for item in self.existing},
            "remove_media": {item.pk for item in self.existing if data.get(f"remove_{item.pk}")},
        }


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Consent"),
        choices=[
            (PostDraft.Consent.CONSENT, _("Those recognisable have consented")),
            (PostDraft.Consent.NO_PEOPLE, _("No recognisable people")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Where the consent is kept"),
        required=False,
        max_length=500,
        help_text=_("Required when people have consented, for example the case or binder."),
    )


class SendForReviewForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=None, empty_label=_("Choose a person"))

    def __init__(self, *args, draft: PostDraft, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = publishing.reviewer_candidates(draft)
        self.fields["reviewer"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username}{', ' + u.title if u.title else ''}"
        )


class PostReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return with a comment"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.NOTE,
        help_text=_("Required when the post is returned."),
    )


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Swedish time."),
    )

    def clean_publish_at(self):
        value = self.cleaned_data["publish_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or publish now."))
        return value


class ManualLinkForm(forms.Form):
    permalink = forms.URLField(
        label=_("Address of the published post"), max_length=1000, assume_scheme="https"
    )
