from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceAccount

from .models import DiaryCase, DocumentClass


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
    account = forms.ModelChoiceField(label=_("Account"), queryset=ServiceAccount.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=9999)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts
