"""Forms of the scenario pages: a scenario's settings, its changes offer by offer, a pool, a new offer,
a file of changes. They only read what people type; services check it against the ecosystem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.core.allocation import Offer
from maillage.matching.forms import element_choices
from maillage.matching.models import EligibilityRule

MAX_FILE_BYTES = 512 * 1024


class ScenarioForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What it asks"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: what if the neighbourhood funds were pooled?"),
    )
    owner = forms.ChoiceField(label=_("On behalf of"), required=False)
    equity_pct = forms.IntegerField(
        label=_("Cover at least this share of each territory's need (%)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_(
            "Optional. When a territory cannot reach it, the page says so and shows the best that can be done."
        ),
    )
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"), initial=10, min_value=2, max_value=120, help_text=_("From 2 to 120.")
    )
    is_shared = forms.BooleanField(
        label=_("Share with every signed-in person"),
        required=False,
        help_text=_("Initiatives then see their own advised basket, and providers the advice for their offers."),
    )

    def __init__(self, *args: Any, owners: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners:
            self.fields["owner"].choices = list(owners)
            self.fields["owner"].required = True
        else:
            del self.fields["owner"]

    def settings(self) -> dict[str, Any]:
        """The scenario's settings as the services take them."""
        data = self.cleaned_data
        pct = data.get("equity_pct")
        return {
            "title": data["title"],
            "description": data["description"],
            "equity_share": None if pct is None else pct / 100,
            "time_limit": data["time_limit"],
            "is_shared": data["is_shared"],
        }


RELAXABLE = [(k, label) for k, label in EligibilityRule.Kind.choices if k != EligibilityRule.Kind.LANGUAGE]


class OfferChangesForm(forms.Form):
    """One row per offer in scope: its capacity and reporting hours, the rules lifted, or its removal."""

    def __init__(
        self,
        *args: Any,
        offers: Sequence[Offer],
        kinds: Mapping[str, set[str]],
        changes: Mapping[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        capacity, hours = changes.get("capacity") or {}, changes.get("burden_hours") or {}
        relax, removed = changes.get("relax") or {}, set(changes.get("remove_offers") or [])
        for offer in self.offers:
            key = offer.id
            self.fields[f"{key}__capacity"] = forms.IntegerField(
                label=_("Capacity"), min_value=0, max_value=100_000, required=False, initial=capacity.get(key)
            )
            self.fields[f"{key}__hours"] = forms.FloatField(
                label=_("Reporting hours"),
                min_value=0,
                max_value=10_000,
                required=False,
                initial=hours.get(key),
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            choices = [(k, label) for k, label in RELAXABLE if k in kinds.get(key, set())]
            if choices:
                self.fields[f"{key}__relax"] = forms.MultipleChoiceField(
                    label=_("Rules lifted"),
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=relax.get(key, []),
                )
            self.fields[f"{key}__remove"] = forms.BooleanField(
                label=_("Remove the offer"), required=False, initial=key in removed
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "offer": offer,
                "capacity": self[f"{offer.id}__capacity"],
                "hours": self[f"{offer.id}__hours"],
                "relax": self[f"{offer.id}__relax"] if f"{offer.id}__relax" in self.fields else None,
                "remove": self[f"{offer.id}__remove"],
            }
            for offer in self.offers
        ]

    def apply(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` with this form's rows in place of what they said before."""
        ids = {o.id for o in self.offers}
        new = dict(changes)
        capacity = {k: v for k, v in (changes.get("capacity") or {}).items() if k not in ids}
        hours = {k: v for k, v in (changes.get("burden_hours") or {}).items() if k not in ids}
        relax = {k: v for k, v in (changes.get("relax") or {}).items() if k not in ids}
        removed = [o for o in changes.get("remove_offers") or [] if o not in ids]
        data = self.cleaned_data
        for offer in self.offers:
            if data.get(f"{offer.id}__capacity") is not None:
                capacity[offer.id] = data[f"{offer.id}__capacity"]
            value = data.get(f"{offer.id}__hours")
            if value is not None:
                hours[offer.id] = int(value) if float(value).is_integer() else value
            if data.get(f"{offer.id}__relax"):
                relax[offer.id] = sorted(data[f"{offer.id}__relax"])
            if data.get(f"{offer.id}__remove"):
                removed.append(offer.id)
        for key, value in (
            ("capacity", capacity),
            ("burden_hours", hours),
            ("relax", relax),
            ("remove_offers", removed),
        ):
            if value:
                new[key] = value
            else:
                new.pop(key, None)
        return new


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name of the pooled fund"), max_length=120)
    offers = forms.MultipleChoiceField(
        label=_("Offers pooled (two or more)"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args: Any, offers: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offers"].choices = list(offers)

    def clean_offers(self) -> list[str]:
        chosen = self.cleaned_data["offers"]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError(_("An offer is listed twice in the pool."), code="pool_duplicate")
        if len(chosen) < 2:
            raise forms.ValidationError(_("Choose at least two offers."), code="pool_invalid")
        return list(chosen)


class NewOfferForm(forms.Form):
    name = forms.CharField(label=_("Name of the new offer"), max_length=120)
    capacity = forms.IntegerField(label=_("Initiatives it can serve"), min_value=0, max_value=100_000)
    hours = forms.FloatField(
        label=_("Reporting hours"),
        min_value=0,
        max_value=10_000,
        initial=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    eligible_like = forms.ChoiceField(label=_("It accepts"))
    element = forms.ChoiceField(label=_("Condition of success it works on"))
    strength = forms.FloatField(
        label=_("How much of the need it covers"),
        min_value=0.01,
        max_value=1.0,
        initial=0.5,
        help_text=_("From 0.01 to 1: 1 covers the whole need, 0.5 half of it."),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    element_2 = forms.ChoiceField(label=_("A second condition (optional)"), required=False)
    strength_2 = forms.FloatField(
        label=_("How much of that need it covers"),
        min_value=0.01,
        max_value=1.0,
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, offers: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eligible_like"].choices = [
            ("*", _("Every initiative")),
            *[(k, _("Whom “%(name)s” accepts") % {"name": n}) for k, n in offers],
        ]
        choices = element_choices()
        self.fields["element"].choices = choices
        self.fields["element_2"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("element_2") and data.get("strength_2") is None and "strength_2" not in self.errors:
            self.add_error("strength_2", _("Say how much of the need the offer covers."))
        if data.get("element_2") and data.get("element_2") == data.get("element"):
            self.add_error("element_2", _("This condition is listed twice."))
        return data

    def offer(self, offer_id: str) -> dict[str, Any]:
        data = self.cleaned_data
        covers = {data["element"]: data["strength"]}
        if data.get("element_2"):
            covers[data["element_2"]] = data["strength_2"]
        hours = data["hours"]
        return {
            "id": offer_id,
            "name": data["name"],
            "capacity": data["capacity"],
            "burden_hours": int(hours) if float(hours).is_integer() else hours,
            "covers": covers,
            "eligible_like": data["eligible_like"],
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("A file of changes (maillage-scenario/1, JSON)"),
        help_text=_("It replaces the scenario's changes; nothing changes if the file has a problem."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 512 KB."), code="file_too_large")
        return upload


class InviteForm(forms.Form):
    initiatives = forms.MultipleChoiceField(
        label=_("Initiatives to invite"), widget=forms.CheckboxSelectMultiple, choices=(), required=False
    )

    def __init__(self, *args: Any, initiatives: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["initiatives"].choices = list(initiatives)
