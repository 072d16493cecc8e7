"""Forms of the archive pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Platform

from .models import DisclosureExport, RecordKind, SecrecyProvision
from .selectors import SEARCH_FILTER_EXTENSIONS, SORTS, SearchFilters

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class SearchForm(forms.Form):
    """The search and its filters, read from the address so a search can be linked to."""

    q = forms.CharField(label=_("Search words"), required=False, max_length=500)
    author = forms.CharField(label=_("Author name or handle"), required=False, max_length=200)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    account = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    date_from = forms.DateField(
        label=_("Published from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Published to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    removed = forms.ChoiceField(label=_("Removed by the municipality"), required=False, choices=YES_NO)
    deleted = forms.ChoiceField(label=_("Deleted on the platform"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, *args, departments=(), accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["department"].choices = everything + [(d.pk, d.name) for d in departments]
        self.fields["account"].choices = everything + [(a.pk, a.display_name) for a in accounts]
        self.fields["platform"].choices = everything + list(Platform.choices)
        self.fields["kind"].choices = everything + list(RecordKind.choices)
        # Filters other apps add (registered in the diary, moderation flags and outcomes), before
        # the order.
        sort = self.fields.pop("sort")
        for extension in SEARCH_FILTER_EXTENSIONS.values():
            self.fields[extension.name] = forms.ChoiceField(
                label=extension.label, required=False, choices=everything + list(extension.choices())
            )
        self.fields["sort"] = sort
        self.fields["sort"].choices = list(
            zip(SORTS, [_("Best match first"), _("Newest first"), _("Oldest first")], strict=True)
        )

    def filters(self) -> SearchFilters:
        data = self.cleaned_data

        def yes_no(value):
            return {"yes": True, "no": False}.get(value)

        return SearchFilters(
            q=data.get("q") or "",
            author=data.get("author") or "",
            department=data.get("department"),
            account=data.get("account"),
            platform=data.get("platform") or "",
            kind=data.get("kind") or "",
            year=data.get("year"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            removed=yes_no(data.get("removed")),
            deleted=yes_no(data.get("deleted")),
            extra=tuple((name, data[name]) for name in SEARCH_FILTER_EXTENSIONS if data.get(name)),
            sort=data.get("sort") or "relevance",
        )


class ExportCreateForm(forms.ModelForm):
    class Meta:
        model = DisclosureExport
        fields = ["request_reference", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


def provision_choices() -> list[tuple[str, str]]:
    offered = SecrecyProvision.objects.filter(offered=True)
    return [("", _("Choose a provision")), *((p.code, str(p)) for p in offered)]


class MaskForm(forms.Form):
    passages = forms.CharField(
        label=_("Passages to mask"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One passage per line, exactly as in the text. Every occurrence is masked."),
    )
    mask_author = forms.BooleanField(label=_("Mask the author's name and handle"), required=False)
    provision = forms.ChoiceField(
        label=_("Secret under"),
        required=False,
        help_text=_("The provision of the Secrecy Act that new maskings cite. Passages already masked keep theirs."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provision"].choices = provision_choices()

    def passage_list(self) -> list[str]:
        return [line for line in self.cleaned_data["passages"].splitlines() if line.strip()]
