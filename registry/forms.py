from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, ServiceAccount

from .models import DiaryCase, DocumentClass, EarchivePackage


class RegisterForm(forms.Form):
    title = forms.CharField(label=_("Title of the case"), max_length=300)


class AttachForm(forms.Form):
    case = forms.ModelChoiceField(label=_("Case"), queryset=DiaryCase.objects.none())

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda case: f"{case.diary_number} {case.title}"


class NotNeededForm(forms.Form):
    note = forms.CharField(
        label=_("Why no registration is needed"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class LegalHoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DocumentClassForm(forms.ModelForm):
    class Meta:
        model = DocumentClass
        fields = [
            "code",
            "name",
            "applies_to",
            "permanent",
            "retention_years",
            "deliver_to_earchive",
            "description",
        ]

    def clean(self):
        cleaned = super().clean()
        permanent = cleaned.get("permanent")
        years = cleaned.get("retention_years")
        if permanent and years is not None:
            self.add_error("retention_years", _("A permanent class has no number of years."))
        if not permanent and years is None:
            self.add_error("retention_years", _("Give the number of years, or mark the class permanent."))
        return cleaned


class EarchiveOrderForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("The package holds"),
        choices=EarchivePackage.Scope.choices,
        initial="account_year",
        required=False,  # an order that names no scope is of an account's year
    )
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=ServiceAccount.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=9999, required=False)

    def __init__(self, *args, accounts=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts
        if departments is not None:
            self.fields["department"].queryset = departments

    def clean(self):
        cleaned = super().clean()
        scope = cleaned["scope"] = cleaned.get("scope") or EarchivePackage.Scope.ACCOUNT_YEAR
        if scope in ("account_year", "account_final") and not cleaned.get("account"):
            self.add_error("account", _("Choose the account."))
        if scope == "department_year" and not cleaned.get("department"):
            self.add_error("department", _("Choose the department."))
        if scope in ("account_year", "department_year") and not cleaned.get("year"):
            self.add_error("year", _("Give the year."))
        return cleaned

    def scope_arguments(self) -> dict:
        """The package's scope as `earchive.earchive_package_create` takes it."""
        scope = self.cleaned_data["scope"]
        if scope == "department_year":
            return {"department": self.cleaned_data["department"], "year": self.cleaned_data["year"]}
        if scope == "account_final":
            return {"account": self.cleaned_data["account"], "final": True}
        return {"account": self.cleaned_data["account"], "year": self.cleaned_data["year"]}


class DiaryExportForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=9999)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments


class DiaryNumbersImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file from the case-management system"),
        help_text=_(
            "One line per thread: the column “diarienummer” (such as BUN 2025/17) and the column “tråd” "
            "with the thread's address in the archive, its address on the platform or its platform id; "
            "“ärendemening” is optional."
        ),
    )
