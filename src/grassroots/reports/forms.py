"""The forms of the reports page: a period report, the ledgers of a year."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for


class ReportForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("2026, 2026-H1, 2026-Q3 or 2026-07"), strip=True
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "Excel (.xlsx)")], initial="pdf")

    def clean_period(self):
        try:
            return period_for(self.cleaned_data["period"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class LedgerForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2999)
    subtree = forms.TypedChoiceField(
        label=_("Of"),
        choices=[("0", _("this organization")), ("1", _("the whole subtree"))],
        coerce=lambda v: v == "1",
        initial="0",
    )


def this_year() -> int:
    return timezone.localdate().year
