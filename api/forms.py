from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from accounts.roles import Role

from .models import SCOPE_CHOICES


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("System"), max_length=120, help_text=_("The system that will read with the token.")
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", "---------"), *Role.choices],
        help_text=_("The system user sees exactly what a person in this role sees."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        help_text=_("For a role that reads one department."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("May read"),
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The public accounts are open to everyone and need no scope."),
    )
