"""Forms of the inbox: they parse input; the rules are in services.py."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Platform, User
from accounts.roles import Role
from smgov.lib import limits

from . import platform as platform_side
from .flags import GROUNDS, RemovalGround
from .models import CaseState, FlagRule, PhotoConsent, SavedReply
from .selectors import FLAG_FILTERS, SAVED_REPLY_MAX_LENGTH, SORTS, saved_reply_problems

STATE_CHOICES = [
    ("open", _("Open")),
    ("closed", _("Closed")),
    ("all", _("All")),
    *CaseState.choices,
]
FLAG_CHOICES = [
    ("", _("All")),
    ("personal_data", _("Personal data")),
    ("ground", _("Possible removal ground")),
    ("link", _("Link")),
    ("image", _("Image or video")),
    ("any", _("Any flag")),
    ("none", _("No flag")),
]
SORT_CHOICES = [
    ("deadline", _("Priority and deadline")),
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("account", _("Account")),
]
assert {code for code, _label in SORT_CHOICES} == set(SORTS)
assert {code for code, _label in FLAG_CHOICES if code} == set(FLAG_FILTERS)


class InboxFilterForm(forms.Form):
    account = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)
    flag = forms.ChoiceField(label=_("Flag"), choices=FLAG_CHOICES, required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, accounts=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Platform

        self.fields["account"].choices = [("", _("All"))] + [(a.pk, a.display_name) for a in accounts]
        self.fields["platform"].choices = [("", _("All")), *Platform.choices]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("No one")),
            *[(str(p.pk), p.get_full_name() or p.username) for p in people],
        ]


def _handlers(department=None):
    """People who may be assigned: the department's communicators and the web communicators."""
    query = Q(groups__name=Role.WEB_COMMUNICATOR)
    if department is not None:
        query |= Q(groups__name=Role.COMMUNICATOR, department=department)
    else:
        query |= Q(groups__name=Role.COMMUNICATOR)
    return User.objects.filter(query, is_active=True).distinct()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _handlers(department).order_by("first_name", "last_name")
        self.fields["assignee"].empty_label = _("No one")


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=10000,  # the longest any platform takes; the platform's own limit is checked below
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your name and title are added as the signature."),
    )
    reviewer = forms.ModelChoiceField(
        label=_("Have an expert review it before it is published (optional)"),
        queryset=User.objects.none(),
        required=False,
    )
    discuss_with_manager = forms.BooleanField(
        label=_("This is criticism or about an error: discuss it with the manager before replying"),
        required=False,
    )

    def __init__(self, *args, reviewers=None, platform: str = "", signature: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.platform, self.signature = platform, signature
        limit = platform_side.reply_limit(platform) if platform else None
        if limit:
            # Shown before sending: a counter (smgov.js) counts as the platform does, signature included.
            self.fields["text"].widget.attrs.update(
                {
                    "data-reply-limit": limit,
                    "data-reply-count": platform_side.count_kind(platform),
                    "data-signature": f"\n\n{signature}" if signature else "",
                }
            )
            self.fields["text"].help_text = _(
                "Your name and title are added as the signature. %(platform)s takes at most %(limit)s "
                "characters, the signature included."
            ) % {"platform": Platform(platform).label, "limit": limit}
        self.fields["reviewer"].queryset = (
            reviewers if reviewers is not None else User.objects.filter(is_active=True)
        )
        self.fields["reviewer"].empty_label = _("No review")

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if self.platform:
            signature = f"\n\n{self.signature}" if self.signature else ""
            too_long = platform_side.reply_too_long(self.platform, text + signature)
            if too_long:
                raise forms.ValidationError(too_long)
        return text


class ManualReplyForm(forms.Form):
    permalink = forms.URLField(
        label=_("Link to the reply on the platform"), required=False, assume_scheme="https"
    )


class ForwardForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("To a person"), queryset=User.objects.none(), required=False)
    to_email = forms.EmailField(
        label=_("or to an e-mail address"),
        required=False,
        help_text=_(
            "They get the comment, your question and a link to answer through without logging in; "
            "a reply to the e-mail comes to you."
        ),
    )
    question = forms.CharField(
        label=_("Question"), widget=forms.Textarea(attrs={"rows": 4}), max_length=limits.NOTE
    )
    due_on = forms.DateField(label=_("Answer by"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = (
            people if people is not None else User.objects.filter(is_active=True)
        )
        self.fields["to_user"].empty_label = _("Choose a person")
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate() + timezone.timedelta(days=2))

    def clean(self):
        data = super().clean()
        # A mistyped address has its own error at the field; "choose someone" would be untrue then.
        if not data.get("to_user") and not data.get("to_email") and "to_email" not in self.errors:
            raise forms.ValidationError(_("Choose a person or give an e-mail address."))
        if data.get("to_user") and data.get("to_email"):
            raise forms.ValidationError(_("Choose a person or give an e-mail address, not both."))
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}), max_length=limits.ANSWER
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and publish")), ("return", _("Return with a note"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=limits.NOTE
    )


GROUND_FORM_CHOICES = [
    (ground.value, f"{info.swedish_name} – {info.law_reference}" if info.law_reference else info.swedish_name)
    for ground, info in GROUNDS.items()
]


class RemoveForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Legal ground"), choices=[("", _("Choose a ground")), *GROUND_FORM_CHOICES]
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=limits.SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when the ground is Other."),
    )

    def clean(self):
        data = super().clean()
        if data.get("ground") == RemovalGround.OTHER and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the comment is removed when the ground is Other."))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=limits.NOTE,
    )


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "purpose", "text", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6, "maxlength": SAVED_REPLY_MAX_LENGTH})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        problems = saved_reply_problems(text)
        if len(text.strip()) > SAVED_REPLY_MAX_LENGTH:
            problems.append(
                _("A saved reply holds at most %(limit)s characters.") % {"limit": SAVED_REPLY_MAX_LENGTH}
            )
        if problems:
            raise forms.ValidationError(problems)
        return text


class FlagRuleForm(forms.ModelForm):
    class Meta:
        model = FlagRule
        fields = ["ground", "phrase", "is_regex", "is_active"]


class PhotoConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Consent"), choices=PhotoConsent.Answer.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Where the consent is kept, or anything a colleague should know."),
    )


# --- N8/N9: monitoring -------------------------------------------------------------------------------


class WatchForm(forms.Form):
    """A watch and its sources in one form: the sources are a few plain fields, turned into
    ``monitoring.SourceInput`` by ``sources()``."""

    name = forms.CharField(label=_("Name"), max_length=120)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, empty_label=None)
    terms = forms.CharField(
        label=_("Words and phrases"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("One word or phrase per line. A hit contains at least one of them."),
    )
    interval_minutes = forms.TypedChoiceField(label=_("How often"), coerce=int, choices=())
    account = forms.ModelChoiceField(
        label=_("Account that owns the topic"),
        queryset=None,
        required=False,
        help_text=_("Responses to hits are written from this account."),
    )
    mastodon_instance = forms.URLField(
        label=_("Mastodon instance"),
        required=False,
        initial="https://mastodon.social",
        max_length=500,
        assume_scheme="https",
    )
    mastodon_tags = forms.CharField(
        label=_("Mastodon hashtags"),
        required=False,
        max_length=500,
        help_text=_("Separated by spaces, e.g. #forshaga #klarälven."),
    )
    mastodon_search = forms.BooleanField(
        label=_("Search Mastodon for the words (where the instance allows it)"), required=False
    )
    bluesky_search = forms.BooleanField(label=_("Search Bluesky for the words"), required=False)
    feeds = forms.CharField(
        label=_("News and blog feeds (RSS/Atom)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("One feed address per line."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, departments, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Watch

        self.fields["department"].queryset = departments
        self.fields["account"].queryset = accounts
        self.fields["account"].label_from_instance = lambda account: account.display_name
        self.fields["interval_minutes"].choices = Watch.Interval.choices

    def clean_feeds(self):
        validate = forms.URLField(assume_scheme="https")
        addresses = []
        for line in self.cleaned_data["feeds"].splitlines():
            if line.strip():
                try:
                    addresses.append(validate.clean(line.strip()))
                except forms.ValidationError:
                    raise forms.ValidationError(
                        _("%(address)s is not a web address (it starts with https://).")
                        % {"address": line.strip()}
                    ) from None
        return addresses

    def sources(self):
        from .models import WatchSource
        from .monitoring import SourceInput

        data, kind = self.cleaned_data, WatchSource.Kind
        instance = data.get("mastodon_instance") or ""
        sources = [
            SourceInput(kind=kind.MASTODON_TAG, address=instance, query=tag.lstrip("#"))
            for tag in data.get("mastodon_tags", "").replace(",", " ").split()
            if tag.lstrip("#")
        ]
        if data.get("mastodon_search"):
            sources.append(SourceInput(kind=kind.MASTODON_SEARCH, address=instance))
        if data.get("bluesky_search"):
            sources.append(SourceInput(kind=kind.BLUESKY_SEARCH))
        sources += [SourceInput(kind=kind.FEED, address=address) for address in data.get("feeds", [])]
        return sources

    @staticmethod
    def initial_for(watch) -> dict:
        from .models import WatchSource

        kind = WatchSource.Kind
        sources = list(watch.sources.all())
        tags = [s for s in sources if s.kind == kind.MASTODON_TAG]
        searches = [s for s in sources if s.kind == kind.MASTODON_SEARCH]
        return {
            "name": watch.name,
            "department": watch.department_id,
            "terms": watch.terms,
            "interval_minutes": watch.interval_minutes,
            "account": watch.account_id,
            "mastodon_instance": next(
                (s.address for s in tags + searches if s.address), "https://mastodon.social"
            ),
            "mastodon_tags": " ".join(f"#{s.query}" for s in tags),
            "mastodon_search": bool(searches),
            "bluesky_search": any(s.kind == kind.BLUESKY_SEARCH for s in sources),
            "feeds": "\n".join(s.address for s in sources if s.kind == kind.FEED),
            "is_active": watch.is_active,
        }


class HitQuestionForm(forms.Form):
    question = forms.CharField(
        label=_("What do you want to discuss?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


class HitAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class HitResponseForm(forms.Form):
    text = forms.CharField(label=_("Response"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class HitRecordForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it kept as a public record?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
