"""Forms of the account register. They collect and check input; the services decide."""

from datetime import timedelta

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from smgov.lib import limits

from .models import AccountState, Department, Platform, ServiceAccount, User
from .selectors import credential_kind_choices


def _person_label(person: User) -> str:
    label = f"{person}, {person.title}" if person.title else str(person)
    if not person.is_trained:
        label = _("%(person)s – not trained in secrecy, personal data and public records") % {"person": label}
    return label


class _DisablesUntrained:
    """Lists untrained people but does not let them be chosen (N5)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        person = getattr(value, "instance", None)
        if person is not None and not person.is_trained:
            option["attrs"]["disabled"] = True
        return option


class PeopleCheckboxes(_DisablesUntrained, forms.CheckboxSelectMultiple):
    pass


class PeopleSelect(_DisablesUntrained, forms.Select):
    pass


class AdministratorsField(forms.ModelMultipleChoiceField):
    widget = PeopleCheckboxes

    def label_from_instance(self, obj):
        return _person_label(obj)

    def clean(self, value):
        people = list(super().clean(value))
        untrained = [person for person in people if not person.is_trained]
        if untrained:
            raise forms.ValidationError(
                _(
                    "%(people)s cannot administer an account before the training in secrecy, personal data "
                    "and public records (N5)."
                )
                % {"people": ", ".join(str(person) for person in untrained)}
            )
        if len(people) < 2:
            raise forms.ValidationError(_("Choose at least two administrators (F2)."))
        return people


class PersonField(forms.ModelChoiceField):
    widget = PeopleSelect

    def label_from_instance(self, obj):
        return _person_label(obj)

    def clean(self, value):
        person = super().clean(value)
        if person is not None and not person.is_trained:
            raise forms.ValidationError(
                _("%(person)s has no recorded training in secrecy, personal data and public records (N5).")
                % {"person": person}
            )
        return person


def _hours(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds() // 3600)


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class _AccountFields(forms.ModelForm):
    """The account's own fields. The form works on a copy of the account: the services
    compare the new values with the stored ones and write them."""

    response_time_hours = forms.IntegerField(
        label=_("Promised response time (hours)"),
        min_value=1,
        max_value=24 * 30,
        initial=24,
        help_text=_("How soon a question on the account is answered at the latest (F8)."),
    )

    class Meta:
        model = ServiceAccount
        formfield_callback = _formfield
        fields = [
            "display_name",
            "platform",
            "handle",
            "profile_url",
            "parent",
            "purpose",
            "target_audience",
            "response_time_text",
        ]
        help_texts = {
            "display_name": _(
                "The name must clearly name the department, for example “Exempelby kommun – Skola och "
                "förskola” (N11)."
            ),
            "handle": _("The account's user name on the platform, if it has one."),
        }
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "target_audience": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, limit in (("purpose", limits.PURPOSE), ("target_audience", limits.SHORT_TEXT)):
            if name in self.fields:
                limits.limit_text(self.fields[name], limit)
        if self.instance.pk:
            self.initial.setdefault("response_time_hours", _hours(self.instance.response_time))
        if "parent" in self.fields:
            parents = ServiceAccount.objects.filter(state=AccountState.ACTIVE).select_related("department")
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].queryset = parents
            self.fields["parent"].empty_label = _("No parent account")

    def account_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        values["response_time"] = timedelta(hours=self.cleaned_data["response_time_hours"])
        return values


class AccountRequestForm(_AccountFields):
    """N2/N10/N11: the purpose analysis a department's communicator submits to the head."""

    goals = forms.CharField(
        max_length=limits.PURPOSE,
        label=_("Goals"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What should the account achieve, and how will you know that it does?"),
    )
    channel_rationale = forms.CharField(
        max_length=limits.PURPOSE,
        label=_("Why this channel and not another"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Is the target audience there? Why is the website or an existing account not enough?"),
    )
    resources = forms.CharField(
        max_length=limits.PURPOSE,
        label=_("Readiness and resources over time"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who posts, answers and checks the account every day, also during holidays, for years?"),
    )
    graphic_profile_confirmed = forms.BooleanField(
        label=_("The account follows the municipality's graphic profile (logo and name)"),
        error_messages={
            "required": _("Confirm that the account follows the municipality's graphic profile (N11).")
        },
    )
    account_owner = forms.ChoiceField(
        label=_("Whose account is it?"),
        choices=[
            ("municipality", _("A service account of the department, in the municipality's name")),
            ("private", _("A person's own (private) account")),
        ],
        widget=forms.RadioSelect,
        help_text=_("Whoever represents the municipality uses a service account (F5, F6)."),
    )
    municipality_is_sender = forms.BooleanField(
        label=_("The account's name and profile show that the municipality is the sender"),
        error_messages={
            "required": _(
                "Confirm that the account is the department's service account and that its name and "
                "profile show the municipality as the sender (F5)."
            )
        },
    )
    administrators = AdministratorsField(
        queryset=User.objects.none(),
        label=_("Administrators"),
        help_text=_(
            "At least two trained people of the department who hold the login details and are responsible "
            "for the account (F2, N5)."
        ),
    )

    field_order = [
        "display_name",
        "platform",
        "handle",
        "profile_url",
        "parent",
        "purpose",
        "goals",
        "target_audience",
        "channel_rationale",
        "resources",
        "response_time_hours",
        "response_time_text",
        "account_owner",
        "municipality_is_sender",
        "graphic_profile_confirmed",
        "administrators",
    ]

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response_time_text"].required = True
        self.fields["administrators"].queryset = User.objects.filter(
            department=department, is_active=True
        ).order_by("first_name", "last_name", "username")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **self.account_values(),
            "goals": data["goals"],
            "channel_rationale": data["channel_rationale"],
            "resources": data["resources"],
            "graphic_profile_confirmed": data["graphic_profile_confirmed"],
            "municipality_is_sender": data["municipality_is_sender"],
            "private_account": data["account_owner"] == "private",
            "administrators": list(data["administrators"]),
        }


class AccountResubmitForm(AccountRequestForm):
    """A returned request, edited; administrators are changed on the account page."""

    comment = forms.CharField(
        max_length=limits.NOTE,
        label=_("What did you change?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short note to the head of department."),
    )

    class Meta(AccountRequestForm.Meta):
        fields = [name for name in AccountRequestForm.Meta.fields if name != "platform"]

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, department=department, **kwargs)
        for name in ("administrators", "account_owner", "municipality_is_sender"):
            del self.fields[name]  # answered with the request; administrators change on the account page
        request = self.instance.request
        for name in ("goals", "channel_rationale", "resources", "graphic_profile_confirmed"):
            self.initial.setdefault(name, getattr(request, name))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **self.account_values(),
            "goals": data["goals"],
            "channel_rationale": data["channel_rationale"],
            "resources": data["resources"],
            "graphic_profile_confirmed": data["graphic_profile_confirmed"],
            "comment": data["comment"],
        }


class AccountDetailsForm(_AccountFields):
    supervision_hours = forms.IntegerField(
        label=_("Check the account at least every (hours)"),
        min_value=1,
        max_value=24,
        error_messages={
            "max_value": _(
                "The account must be checked at least once a day (N4): the interval can be at most 24 hours."
            )
        },
        help_text=_(
            "A person looks at the account and its new content at least this often: at least once a day, "
            "and more often when there is more traffic (N4, N13)."
        ),
    )

    class Meta(_AccountFields.Meta):
        fields = [
            "display_name",
            "handle",
            "profile_url",
            "platform_id",
            "api_base_url",
            "own_author_names",
            "parent",
            "purpose",
            "target_audience",
            "response_time_text",
        ]
        widgets = {**_AccountFields.Meta.widgets, "own_author_names": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("supervision_hours", _hours(self.instance.supervision_interval))

    def changes(self) -> dict:
        values = self.account_values()
        values["supervision_interval"] = timedelta(hours=self.cleaned_data["supervision_hours"])
        return values


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("return", _("Send back for changes")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        max_length=limits.NOTE,
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject or send back the request: say why and what to change."),
    )


class AdministratorAddForm(forms.Form):
    user = PersonField(queryset=User.objects.none(), label=_("Person"), empty_label=_("Choose a person"))

    def __init__(self, *args, account: ServiceAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(department=account.department, is_active=True)
            .exclude(pk__in=account.administrator_links.values("user"))
            .order_by("first_name", "last_name", "username")
        )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class CredentialForm(forms.Form):
    name = forms.ChoiceField(
        label=_("Kind"),
        help_text=_("What the secret is. The same kind replaces the old secret."),
    )

    def __init__(self, *args, platform: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = credential_kind_choices(platform)

    secret = forms.CharField(
        label=_("Secret"),
        max_length=limits.CREDENTIAL,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("It is encrypted at once and never shown again, not even to you."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the platform says the token stops working. Leave empty if it does not expire."),
    )


class AccountFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        label=_("Department"),
        empty_label=_("All"),
    )
    platform = forms.ChoiceField(
        choices=[("", _("All")), *Platform.choices], required=False, label=_("Platform")
    )
    state = forms.ChoiceField(
        choices=[("", _("All")), *AccountState.choices], required=False, label=_("State")
    )


class DepartmentChoiceForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("Department"), empty_label=None
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
