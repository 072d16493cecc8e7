"""The filters of the statistics pages: they only offer what the person may see."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from . import permissions
from .periods import DEFAULT_PRESET, PRESETS, Period, local_today, preset_period
from .selectors import Scope

CUSTOM = "custom"
LONGEST_PERIOD = timedelta(days=5 * 366)


class DateInput(forms.DateInput):
    input_type = "date"


class StatisticsFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[*PRESETS.items(), (CUSTOM, _("Dates below"))],
        required=False,
        initial=DEFAULT_PRESET,
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    department = forms.ModelChoiceField(queryset=None, label=_("Department"), required=False)
    account = forms.ModelChoiceField(queryset=None, label=_("Account"), required=False, empty_label=_("All"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        departments = permissions.statistics_departments(user).order_by("name")
        self.fields["department"].queryset = departments
        if permissions.sees_whole_municipality(user):
            self.fields["department"].empty_label = _("The whole municipality")
        else:
            self.fields["department"].empty_label = _("All my departments")
        self.fields["account"].queryset = (
            permissions.statistics_accounts(user)
            .select_related("department")
            .order_by("display_name", "platform")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start or end or data.get("period") == CUSTOM:
            if not (start and end):
                raise forms.ValidationError(_("Give both dates of the period."))
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            if end - start > LONGEST_PERIOD:
                raise forms.ValidationError(_("Choose a period of at most five years."))
        account, department = data.get("account"), data.get("department")
        if account and department and account.department_id != department.pk:
            self.add_error("account", _("The account belongs to another department."))
        return data

    def _valid_data(self) -> dict:
        """What passed the checks: a refused field falls back to its default, the rest still applies."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {} if self.non_field_errors() else self.cleaned_data

    def get_period(self, *, today: date | None = None) -> Period:
        data = self._valid_data()
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        return preset_period(data.get("period") or DEFAULT_PRESET, today=today or local_today())

    def get_period_label(self) -> str:
        """The chosen period in words ("The last 12 months"), or "" for dates typed in."""
        data = self._valid_data()
        if data.get("start") and data.get("end"):
            return ""
        return str(PRESETS[data.get("period") or DEFAULT_PRESET])

    def get_scope(self) -> Scope:
        data = self._valid_data()
        account, department = data.get("account"), data.get("department")
        if department is not None:
            department_ids = (department.pk,)
        elif permissions.sees_whole_municipality(self.user):
            department_ids = None
        else:
            department_ids = tuple(self.fields["department"].queryset.values_list("pk", flat=True))
        return Scope(department_ids=department_ids, account_id=account.pk if account else None)


class YearlyReportForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())
    department = forms.ModelChoiceField(queryset=None, label=_("Department"), required=False)

    def __init__(self, *args, user, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = years[0]
        self.fields["department"].queryset = permissions.report_departments(user).order_by("name")
        if permissions.can_take_out_report(user, None):
            self.fields["department"].empty_label = _("The whole municipality")
        else:
            self.fields["department"].empty_label = None
