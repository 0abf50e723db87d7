"""Forms of the directory. They parse and display; services validate and write.

``ServiceModelForm`` takes labels, widgets and choices from the model but skips the
model validation of ``ModelForm`` (the service does it, once, with the database
constraints), so that a form and the API report the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.forms import DatePicker, PeopleDecimalField
from maillage.core.errors import Problem
from maillage.core.text import sort_key

from .models import Initiative, Organisation, Population, Resource, Sector, SupportOffer, SupportType, Territory
from .selectors import ROLES, DirectoryFilters
from .services import (
    INITIATIVE_FIELDS,
    INITIATIVE_M2M,
    OFFER_FIELDS,
    OFFER_M2M,
    ORGANISATION_FIELDS,
    ORGANISATION_M2M,
)


def _formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:  # type: ignore[type-arg]
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ServiceModelForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        formfield_callback = _formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, TerritoryMultipleField):
                field.group_choices()

    def _post_clean(self) -> None:
        """Model validation happens in the service, not here."""


class TermChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def territory_choices(queryset: Iterable[Territory], *, blank: str | None, value: str = "slug") -> list[Any]:
    """Territories grouped by kind (agglomeration, boroughs, linked cities, quartiers), by name."""
    groups: dict[str, list[tuple[Any, str]]] = {}
    labels = dict(Territory.Kind.choices)
    order = [Territory.Kind.QUARTIER, Territory.Kind.BOROUGH, Territory.Kind.LINKED_CITY, Territory.Kind.REGION]
    for territory in sorted(queryset, key=lambda t: (order.index(t.kind), sort_key(t.name_fr))):
        groups.setdefault(str(labels[territory.kind]), []).append((getattr(territory, value), territory.name))
    choices: list[Any] = [("", blank)] if blank is not None else []
    choices += [(label, items) for label, items in groups.items()]
    return choices


class DirectoryFilterForm(forms.Form):
    """The search box and filters shared by the directory's lists (GET, bookmarkable)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("Name, activity, keyword…")}
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("All roles")),
            ("field", _("Field actors")),
            ("support", _("Support actors")),
            ("policy", _("Policy makers")),
        ],
    )
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    population = forms.ChoiceField(label=_("Population served"), required=False)
    support_type = forms.ChoiceField(label=_("Support type"), required=False)

    def __init__(self, *args: Any, fields: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
        # The records behind each choice, loaded once: the filters reuse them.
        self.records: dict[str, dict[str, Any]] = {}
        if "territory" in self.fields:
            territories = list(Territory.objects.only("slug", "kind", "name_fr", "name_en"))
            self.records["territory"] = {t.slug: t for t in territories}
            self.fields["territory"].choices = territory_choices(territories, blank=str(_("All territories")))
        for name, model, blank in (
            ("sector", Sector, _("All sectors")),
            ("population", Population, _("All populations")),
            ("support_type", SupportType, _("All support types")),
        ):
            if name in self.fields:
                terms = list(model.objects.all())
                self.records[name] = {t.code: t for t in terms}
                self.fields[name].choices = [("", blank), *((t.code, t.name) for t in terms)]

    def _valid(self) -> dict[str, Any]:
        """The values that passed validation: one bad filter does not drop the others."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> DirectoryFilters:
        data = self._valid()

        def pick(key: str) -> Any:
            return self.records.get(key, {}).get(data.get(key) or "")

        return DirectoryFilters(
            query=data.get("q", ""),
            role=data.get("role", "") if data.get("role", "") in ROLES else "",
            territory=pick("territory"),
            sector=pick("sector"),
            population=pick("population"),
            support_type=pick("support_type"),
        )

    def active_filters(self) -> int:
        return sum(1 for name, value in self._valid().items() if name != "q" and value)


def _terms(model: Any) -> TermMultipleChoiceField:
    return TermMultipleChoiceField(queryset=model.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)


class TerritoryMultipleField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Checkboxes grouped by kind of territory, in a scrolling box: usable with a keyboard and on a phone."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "territory-choices"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Territory.objects.only("id", "slug", "kind", "name_fr", "name_en"), required=False, **kwargs
        )

    def group_choices(self) -> None:
        """Called by each form instance: the grouped choices come from the database, not at import."""
        self.choices = territory_choices(self.queryset, blank=None, value="pk")


class OrganisationForm(ServiceModelForm):
    territories = TerritoryMultipleField(label=_("Territories served"))
    sectors = _terms(Sector)
    populations = _terms(Population)
    shares_resources = _terms(Resource)
    seeks_resources = _terms(Resource)

    class Meta(ServiceModelForm.Meta):
        model = Organisation
        fields = [*ORGANISATION_FIELDS, *ORGANISATION_M2M]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }

    PRIVATE = Organisation.PRIVATE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("sectors", "populations", "shares_resources", "seeks_resources"):
            self.fields[name].label = Organisation._meta.get_field(name).verbose_name.capitalize()
            self.fields[name].help_text = Organisation._meta.get_field(name).help_text
        self.fields["sectors"].queryset = Sector.objects.all()
        self.fields["populations"].queryset = Population.objects.all()
        self.fields["shares_resources"].queryset = Resource.objects.all()
        self.fields["seeks_resources"].queryset = Resource.objects.all()
        for name in ("neq", "cra_charity_number"):
            self.fields[name].widget.attrs["inputmode"] = "numeric" if name == "neq" else "text"
        self.fields["neq"].max_length = 20
        self.fields["neq"].widget.attrs.pop("maxlength", None)
        self.fields["cra_charity_number"].max_length = 25
        self.fields["cra_charity_number"].widget.attrs.pop("maxlength", None)


class InitiativeForm(ServiceModelForm):
    sector = TermChoiceField(queryset=Sector.objects.all(), required=False, label=_("Sector"))
    territories = TerritoryMultipleField(label=_("Territories"))
    populations = _terms(Population)

    class Meta(ServiceModelForm.Meta):
        model = Initiative
        fields = [*INITIATIVE_FIELDS, *INITIATIVE_M2M]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }

    PRIVATE = Initiative.PRIVATE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["populations"].label = _("Populations served")


PERIODS = 3


class OfferForm(ServiceModelForm):
    support_type = TermChoiceField(queryset=SupportType.objects.all(), label=_("Support type"))
    territories = TerritoryMultipleField(label=_("Territories served"))
    sectors = _terms(Sector)
    populations = _terms(Population)
    languages = TermMultipleChoiceField(
        queryset=SupportOffer.languages.field.related_model.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Languages"),
    )

    class Meta(ServiceModelForm.Meta):
        model = SupportOffer
        fields = [*OFFER_FIELDS, *OFFER_M2M]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sectors"].label = _("Sectors")
        self.fields["populations"].label = _("Populations served")
        periods = list(self.instance.open_periods.all()) if self.instance.pk else []
        # Every existing period, plus room for new ones: saving never drops a period it did not show.
        self.period_count = max(PERIODS, len(periods) + 1)
        for i in range(1, self.period_count + 1):
            period = periods[i - 1] if i <= len(periods) else None
            self.fields[f"period_{i}_opens"] = forms.DateField(
                label=_("Period %(n)s opens on") % {"n": i},
                required=False,
                initial=period.opens_on if period else None,
                widget=DatePicker(),
            )
            self.fields[f"period_{i}_closes"] = forms.DateField(
                label=_("Period %(n)s closes on") % {"n": i},
                required=False,
                initial=period.closes_on if period else None,
                widget=DatePicker(),
            )

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("period_")}
        data["open_periods"] = [
            (self.cleaned_data.get(f"period_{i}_opens"), self.cleaned_data.get(f"period_{i}_closes"))
            for i in range(1, self.period_count + 1)
        ]
        return data

    def field_for_problem(self, problem: Problem) -> str | None:
        """Problems about open periods belong to the row of date fields they concern."""
        if problem.field == "open_periods" and problem.row:
            return f"period_{problem.row}_closes"
        return problem.field

    @property
    def period_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"period_{i}_opens"], self[f"period_{i}_closes"]) for i in range(1, self.period_count + 1)]


class RelationForm(forms.Form):
    """Declare a relation of this organisation with another one, found by name."""

    DIRECTIONS = {
        # choice: (kind, this organisation is the source)
        "funds": ("funds", True),
        "funded_by": ("funds", False),
        "partners": ("partners", True),
        "member_of": ("member_of", True),
        "has_member": ("member_of", False),
        "refers_to": ("refers_to", True),
        "referred_by": ("refers_to", False),
    }

    relation = forms.ChoiceField(
        label=_("This organisation…"),
        choices=[
            ("funds", _("funds")),
            ("funded_by", _("is funded by")),
            ("partners", _("partners with")),
            ("member_of", _("is a member of")),
            ("has_member", _("has as member")),
            ("refers_to", _("refers people to")),
            ("referred_by", _("receives referrals from")),
        ],
    )
    target = forms.ChoiceField(label=_("Other organisation"), widget=forms.RadioSelect)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    amount = PeopleDecimalField(
        label=_("Amount ($)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("For funding only."),
    )
    is_flexible = forms.BooleanField(label=_("Unrestricted funding"), required=False)
    is_multi_year = forms.BooleanField(label=_("Multi-year"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, candidates: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {org.slug: org for org in candidates}
        self.fields["target"].choices = [(org.slug, org.name) for org in candidates]

    def service_data(self, organisation: Organisation) -> dict[str, Any]:
        data = self.cleaned_data
        kind, outgoing = self.DIRECTIONS[data["relation"]]
        other = self.candidates[data["target"]]
        source, target = (organisation, other) if outgoing else (other, organisation)
        return {
            "source": source,
            "target": target,
            "kind": kind,
            "year": data["year"],
            "amount": data["amount"],
            "is_flexible": data["is_flexible"],
            "is_multi_year": data["is_multi_year"],
            "note": data["note"],
        }
