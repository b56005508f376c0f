"""Forms of the assessment pages: thin; the services check again and have the last word."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from grassroots.core.widgets import DateInput
from grassroots.organizations.forms import OrganizationCodeField as BaseOrganizationCodeField
from grassroots.organizations.models import UnitType

from . import outside
from .facts import fact_of
from .models import RATIO_METRICS, Grade, IndicatorKind, Metric, RaterKind
from .services import ADJUSTMENTS
from .services.systems import EDITABLE

# Saaty's scale as entered for "row A against column B": 9 .. 2, 1, 1/2 .. 1/9.
SAATY_VALUES = ["9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9"]
# How much more important one of a pair is, degree first: on a phone the closed select shows only the start.
STRENGTH = {
    9: _("extremely more important"),
    8: _("very much to extremely more important"),
    7: _("very much more important"),
    6: _("much to very much more important"),
    5: _("much more important"),
    4: _("moderately to much more important"),
    3: _("moderately more important"),
    2: _("slightly more important"),
}


def saaty_value(text: str) -> float:
    text = str(text).strip()
    if "/" in text:
        a, b = text.split("/", 1)
        return float(a) / float(b)
    return float(text)


def nearest_saaty(value: float) -> str:
    """The value of the scale closest to a ratio (on a log scale): what to pick to agree with the weights."""
    import math

    value = max(1 / 9, min(9.0, float(value)))
    return min(SAATY_VALUES, key=lambda v: abs(math.log(saaty_value(v)) - math.log(value)))


def saaty_choices(a: str, b: str) -> list[tuple[str, str]]:
    """The options of one pair: "9 · first: extremely more important (A)" .. "1/9 · second: ... (B)"."""
    out = []
    for value in SAATY_VALUES:
        number = saaty_value(value)
        if number == 1:
            label = _("both equally important")
        else:
            first = number > 1
            label = _("%(which)s: %(degree)s (%(name)s)") % {
                "which": pgettext("of a pair", "first") if first else pgettext("of a pair", "second"),
                "degree": STRENGTH[round(number if first else 1 / number)],
                "name": a if first else b,
            }
        out.append((value, f"{value} · {label}"))
    return out


class AHPForm(forms.Form):
    """One select per pair of the upper triangle, row by row, on Saaty's scale."""

    def __init__(self, *args, names: list[str], initial_upper: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names
        self.pairs = []
        k = 0
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                name = f"p_{i}_{j}"
                initial = initial_upper[k] if initial_upper and k < len(initial_upper) else "1"
                self.fields[name] = forms.ChoiceField(
                    label=_("%(a)s against %(b)s") % {"a": names[i], "b": names[j]},
                    choices=saaty_choices(names[i], names[j]),
                    initial=initial,
                )
                self.pairs.append((i, j, name))
                k += 1

    def upper(self) -> list[str]:
        return [self.cleaned_data[name] for _i, _j, name in self.pairs]

    def rows(self):
        for i, j, name in self.pairs:
            yield {"i": i, "j": j, "a": self.names[i], "b": self.names[j], "field": self[name]}


class DirectWeightsForm(forms.Form):
    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for ind in indicators:
            self.fields[f"w_{ind.pk}"] = forms.DecimalField(
                label=ind.display_name(),
                min_value=Decimal(0),
                max_value=Decimal(1),
                max_digits=7,
                decimal_places=4,
                initial=ind.weight,
            )

    def weights(self) -> dict[int, Decimal]:
        return {ind.pk: self.cleaned_data[f"w_{ind.pk}"] for ind in self.indicators}


def system_label(system) -> str:
    """A system as a choice (only systems in use are offered): its name in the reader's language, its version."""
    return f"{system.display_name()} v{system.version}"


class SystemVersionForm(forms.Form):
    """The names of a new version of an indicator system (a copy of the one shown)."""

    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)


def metric_choices(kind: str) -> list[tuple[str, str]]:
    """The records an indicator of a kind may count, each with the fact it counts: rates for a computed indicator,
    any for a deduction or bonus (a bonus may also be entered by hand)."""
    metrics = [m for m in Metric if m in RATIO_METRICS] if kind == IndicatorKind.COMPUTED else list(Metric)
    out = [] if kind != IndicatorKind.BONUS else [("", _("None: entered by hand, with its evidence"))]
    for metric in metrics:
        out.append((metric.value, _("%(metric)s · %(fact)s") % {"metric": metric.label, "fact": fact_of(metric).label}))
    if kind == IndicatorKind.COMPUTED:
        # The ratios other apps register (outside.py: the masses' requests answered in time, for one).
        for metric in outside.metrics():
            fact = fact_of(metric.code).label
            out.append((metric.code, _("%(metric)s · %(fact)s") % {"metric": metric.label, "fact": fact}))
    return out


class IndicatorForm(forms.Form):
    """An indicator of a draft: the fields its kind may change (services.systems.EDITABLE); when adding, a deduction
    or a bonus with its code. Counting a fact twice is ticked and said why, or not at all."""

    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("Letters and digits, e.g. X1."))
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, IndicatorKind(k).label) for k in ADJUSTMENTS])
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    metric = forms.ChoiceField(label=_("Computed from"), required=False)
    target = forms.DecimalField(
        label=_("Target (ratio that earns full marks)"),
        min_value=Decimal("0.001"),
        max_digits=8,
        decimal_places=3,
        help_text=_("For claims per member: how many claims per member earn full marks."),
    )
    points = forms.DecimalField(
        label=_("Points per occurrence"), min_value=Decimal(0), max_digits=6, decimal_places=2, initial=Decimal(0)
    )
    cap = forms.DecimalField(label=_("Cap"), min_value=Decimal(0), max_digits=6, decimal_places=2, initial=Decimal(0))
    is_veto = forms.BooleanField(label=_("Veto: any occurrence sets the grade to the lowest"), required=False)
    double_use = forms.BooleanField(
        label=_("A weighted indicator counts the same records, and these points are taken as well, on purpose"),
        required=False,
    )
    double_use_reason = forms.CharField(
        label=_("Why the fact is counted twice"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One fact, one use: a failure that lowers a weighted indicator should not take points here as well. "
            "Tick the box and say why only if it should; without a reason the system is not put in use."
        ),
    )

    def __init__(self, *args, kind: str | None = None, **kwargs):
        """`kind` the indicator's kind when changing one; None when adding a deduction or bonus."""
        super().__init__(*args, **kwargs)
        self.adding = kind is None
        shown = set(EDITABLE[IndicatorKind.DEDUCTION]) | {"code", "kind"} if self.adding else set(EDITABLE[kind])
        if "double_use_reason" in shown:
            shown.add("double_use")
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        if "metric" in self.fields:
            self.fields["metric"].choices = metric_choices(kind or IndicatorKind.BONUS)
        if "double_use" in self.fields and not self.is_bound:
            self.fields["double_use"].initial = bool(self.initial.get("double_use_reason"))

    def clean(self):
        data = super().clean()
        if "double_use" in self.fields:
            if not data.get("double_use"):
                data["double_use_reason"] = ""
            elif not (data.get("double_use_reason") or "").strip():
                self.add_error("double_use_reason", _("Say why the fact is counted twice, or untick the box."))
        if self.adding and data.get("kind") == IndicatorKind.BONUS and data.get("is_veto"):
            self.add_error("is_veto", _("A bonus is not a veto; make it a deduction."))
        return data

    def data_for_service(self) -> dict:
        """The fields the service takes: those of the kind (code and kind too when adding)."""
        kind = self.cleaned_data["kind"] if self.adding else None
        fields = [*EDITABLE[kind], "code", "kind"] if self.adding else [f for f in self.fields if f != "double_use"]
        return {f: self.cleaned_data[f] for f in fields if f in self.cleaned_data}


class SystemActivateForm(forms.Form):
    confirm = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm that this version is to be put in use.")}
    )


def _rater_weight(label, initial: str) -> forms.DecimalField:
    """A rater group's share of the rating: 0 (the group is not asked) to 1."""
    return forms.DecimalField(
        label=label,
        initial=Decimal(initial),
        min_value=Decimal(0),
        max_value=Decimal(1),
        max_digits=4,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )


class RunForm(forms.Form):
    system = forms.ModelChoiceField(label=_("Indicator system"), queryset=None)
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        help_text=_("A year, half, quarter or month: 2026, 2026-H1, 2026-Q3, 2026-07."),
    )
    scope = forms.ModelChoiceField(label=_("Organizations assessed: everything below"), queryset=None)
    superior = _rater_weight(_("Weight of the superior organization's rating"), "0.4")
    peers = _rater_weight(_("Weight of peer organizations' rating"), "0")
    members = _rater_weight(_("Weight of the members' rating"), "0.3")
    masses = _rater_weight(_("Weight of the masses' rating"), "0.3")
    fewest_raters = forms.IntegerField(
        label=_("Fewest raters of a group"),
        initial=3,
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_(
            "A group's rating of an organization counts only from this many raters up; with fewer, its weight goes "
            "to the other groups."
        ),
    )
    closes_on = forms.DateField(
        label=_("Closing day"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "The day the results count to when published, within the period. Leave it empty for the period's end. "
            "Results computed as of an earlier day are provisional."
        ),
    )

    def __init__(self, *args, systems, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
        self.fields["system"].label_from_instance = system_label
        self.fields["scope"].queryset = scopes
        self.fields["scope"].label_from_instance = lambda org: org.display_name()

    def clean(self):
        data = super().clean()
        weights = [data.get(kind) for kind in RaterKind.values]
        if all(w is not None for w in weights) and abs(sum(weights) - 1) > Decimal("0.001"):
            raise forms.ValidationError(
                _("The rater groups' weights add up to %(sum)s; they must add up to 1.") % {"sum": sum(weights)}
            )
        return data

    def rater_weights(self) -> dict[str, float]:
        return {kind: float(self.cleaned_data[kind]) for kind in RaterKind.values if self.cleaned_data[kind] > 0}


class ClosingDayForm(forms.Form):
    """The closing day of a run, set on its page (the service checks that it lies within the period)."""

    closes_on = forms.DateField(label=_("Closing day"), required=False, widget=DateInput())


class PublishForm(forms.Form):
    """The publication of provisional results: why they are published before the closing day."""

    reason = forms.CharField(
        label=_("Why publish before the closing day"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OrganizationCodeField(BaseOrganizationCodeField):
    """An organization rated by links, by its code among those of the assessment that the user manages."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args, not_found=_("No organization with this code in this assessment that you manage."), **kwargs
        )


class TokenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Raters"), choices=())
    organization = OrganizationCodeField(label=_("Organization rated (code)"))
    count = forms.IntegerField(label=_("How many links"), min_value=1, max_value=500, initial=20)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=30)

    def __init__(self, *args, kinds, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["organization"].queryset = organizations


class VetoForm(forms.Form):
    organization = OrganizationCodeField(label=_("Organization (code)"))
    reason = forms.CharField(label=_("What happened"), max_length=300)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, organizations, period, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        self.fields["organization"].queryset = organizations

    def clean_occurred_on(self):
        day: dt.date = self.cleaned_data["occurred_on"]
        if not self.period.start <= day <= self.period.end:
            raise forms.ValidationError(
                _("The date is outside the period %(period)s; it would not count in this assessment.")
                % {"period": self.period.code}
            )
        return day


class EnteredValueForm(forms.Form):
    indicator = forms.TypedChoiceField(label=_("Indicator"), coerce=int, choices=())
    organization = OrganizationCodeField(label=_("Organization (code)"))
    value = forms.DecimalField(
        label=_("Score (0-100) or points"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    evidence = forms.FileField(label=_("Evidence"), required=False)

    def __init__(self, *args, indicators, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = {i.pk: i for i in indicators}
        self.fields["indicator"].choices = [(i.pk, f"{i.code} {i.display_name()}") for i in indicators]
        self.fields["organization"].queryset = organizations


SORT_CHOICES = [
    ("rank", _("Rank in the level")),
    ("-score", _("Score, highest first")),
    ("score", _("Score, lowest first")),
    ("name", pgettext_lazy("sort", "Name")),
    ("topsis", _("TOPSIS rank")),
    ("closeness", _("TOPSIS closeness, highest first")),
    ("range", _("Least stable rank first")),
]


class ResultFilterForm(forms.Form):
    org = forms.CharField(label=_("Within (organization code)"), required=False, max_length=40)
    unit_type = forms.ChoiceField(label=_("Kind of unit"), required=False, choices=[("", _("All"))])
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", _("All")), *Grade.choices])
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORT_CHOICES)
    second_look = forms.BooleanField(label=_("Only those for a second look"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_type"].choices = [("", _("All")), *UnitType.choices]
        self.fields["org"].widget.attrs.update({"list": "org-codes", "autocomplete": "off"})
