"""Forms for an offer's conditions: what it covers and whom it accepts, without typing any JSON."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.common.i18n import current_language
from maillage.core import eligibility as rules_core
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.forms import TerritoryMultipleField
from maillage.directory.models import Initiative, Language, Organisation, Population, Sector, SupportOffer

from .models import EligibilityRule


def element_choices() -> list[tuple[str, str]]:
    framework = diagnostic_selectors.current_framework()
    if framework is None:
        return []
    language = current_language()
    core = diagnostic_selectors.framework_of(framework)
    # Grouped by level: short option names that a phone does not cut.
    return [("", "—")] + [  # type: ignore[list-item]
        (level.name.get(language), [(e.id, e.name.get(language)) for e in level.elements]) for level in core.levels
    ]


class CoverForm(forms.Form):
    element = forms.ChoiceField(label=_("Condition of success"), required=False)
    strength = forms.FloatField(
        label=_("How much of the need it covers"),
        help_text=_("From 0.01 to 1: 1 covers the whole need, 0.5 half of it."),
        min_value=0.01,
        max_value=1.0,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = element_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("element") and data.get("strength") is None and "strength" not in self.errors:
            self.add_error("strength", _("Say how much of the need the offer covers."))
        return data


def _codes(model: Any) -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in model.objects.all()]


class RuleForm(forms.Form):
    """One rule: what it looks at, then the values for that criterion (the others are ignored)."""

    # Language is left out: Maillage does not know yet in which languages an initiative works, so such a
    # rule could never exclude anyone (the core evaluates it, as "to check").
    kind = forms.ChoiceField(
        label=_("The rule looks at"),
        choices=[("", "—"), *[c for c in EligibilityRule.Kind.choices if c[0] != EligibilityRule.Kind.LANGUAGE]],
        required=False,
    )
    territories = TerritoryMultipleField(label=_("Territories"))
    sectors = forms.MultipleChoiceField(label=_("Sectors"), required=False, widget=forms.CheckboxSelectMultiple)
    populations = forms.MultipleChoiceField(
        label=_("Populations served"), required=False, widget=forms.CheckboxSelectMultiple
    )
    stages = forms.MultipleChoiceField(
        label=_("Stages"), choices=Initiative.Stage.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    legal_statuses = forms.MultipleChoiceField(
        label=_("Legal statuses"),
        choices=Organisation.LegalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    budget_ranges = forms.MultipleChoiceField(
        label=_("Annual budgets"),
        choices=Organisation.BudgetRange.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple)
    minimum_years = forms.IntegerField(
        label=_("Organisation at least (years old)"), required=False, min_value=0, max_value=300
    )
    maximum_years = forms.IntegerField(
        label=_("Organisation at most (years old)"), required=False, min_value=0, max_value=300
    )
    negate = forms.BooleanField(label=_("Everyone except these"), required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source = forms.CharField(label=_("Where the official text says it"), required=False, max_length=300)

    VALUE_FIELDS = {
        "territory": "territories",
        "sector": "sectors",
        "population": "populations",
        "stage": "stages",
        "legal_status": "legal_statuses",
        "budget_range": "budget_ranges",
        "language": "languages",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territories"].group_choices()  # type: ignore[attr-defined]
        self.fields["sectors"].choices = _codes(Sector)  # type: ignore[attr-defined]
        self.fields["populations"].choices = _codes(Population)  # type: ignore[attr-defined]
        self.fields["languages"].choices = _codes(Language)  # type: ignore[attr-defined]

    def rule(self) -> rules_core.Rule | None:
        """The core rule this row describes, or None for an empty row."""
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return None
        values: tuple[str, ...] = ()
        if kind in self.VALUE_FIELDS:
            chosen = data.get(self.VALUE_FIELDS[kind]) or []
            values = tuple(t.slug if hasattr(t, "slug") else str(t) for t in chosen)
        return rules_core.Rule(
            kind=kind,
            values=values,
            negate=bool(data.get("negate")),
            minimum_years=data.get("minimum_years") if kind == "organisation_age" else None,
            maximum_years=data.get("maximum_years") if kind == "organisation_age" else None,
            valid_from=data.get("valid_from"),
            source=data.get("source") or "",
        )

    @classmethod
    def initial_of(cls, rule: EligibilityRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": rule.kind,
            "negate": rule.negate,
            "minimum_years": rule.minimum_years,
            "maximum_years": rule.maximum_years,
            "valid_from": rule.valid_from,
            "source": rule.source,
        }
        if rule.kind == "territory":
            from maillage.directory.models import Territory

            initial["territories"] = list(Territory.objects.filter(slug__in=rule.values))
        elif rule.kind in cls.VALUE_FIELDS:
            initial[cls.VALUE_FIELDS[rule.kind]] = list(rule.values)
        return initial


CoverFormSet = forms.formset_factory(CoverForm, extra=0)
RuleFormSet = forms.formset_factory(RuleForm, extra=0)


class RequestForm(forms.Form):
    initiative = forms.SlugField()
    offer = forms.SlugField()
    message = forms.CharField(
        label=_("Message to the support actor (optional)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    share_diagnostic = forms.BooleanField(
        label=_("Share our diagnostic with the support actor"), required=False, initial=True
    )


class OfferChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Offers named with their providers: many offers share a name."""

    def label_from_instance(self, obj: SupportOffer) -> str:
        providers = ", ".join(p.name for p in obj.providers.all())
        return f"{obj.name} — {providers}" if providers else obj.name


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accepted", _("Accept")), ("declined", _("Decline")), ("referred", _("Refer to another offer"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Message to the initiative"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    referred_offer = OfferChoiceField(
        label=_("Offer you refer to"), queryset=SupportOffer.objects.none(), required=False, empty_label="—"
    )
    amount = forms.DecimalField(
        label=_("Amount granted ($), if it is funding"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, offer: SupportOffer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referred_offer"].queryset = (  # type: ignore[attr-defined]
            SupportOffer.objects.exclude(pk=offer.pk).order_by("sort_key", "id").prefetch_related("providers")
        )
