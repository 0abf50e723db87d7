"""Forms of chantiers. They parse what people type (dates, amounts written the French or the English way);
the services check the rules and their problems come back on each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.common.forms import DatePicker, PeopleDecimalField, PeopleFloatField
from maillage.directory.forms import territory_choices
from maillage.directory.models import Organisation, Territory

from .models import Action, Chantier, Commitment, JournalEntry, Participant, Sector


def _text(label: Any, *, required: bool = False, textarea: bool = False, max_length: int = 300, **kw: Any) -> Any:
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else None
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget, **kw)


def _date(label: Any, *, required: bool = False, **kw: Any) -> forms.DateField:
    """A date picker: the browser's ``<input type="date">`` reads and writes ISO dates whatever the language."""
    return forms.DateField(
        label=label,
        required=required,
        widget=DatePicker(),
        input_formats=["%Y-%m-%d"],
        **kw,
    )


def _amount(label: Any, **kw: Any) -> forms.DecimalField:
    return PeopleDecimalField(label=label, required=False, min_value=0, max_digits=12, decimal_places=2, **kw)


class ChantierForm(forms.Form):
    title_fr = _text(
        _("The change to achieve (French, required)"),
        max_length=200,
        help_text=_(
            "Precise: what, for whom, where, by when. For example « Réduire de moitié la liste d'attente des "
            "banques alimentaires de Parc-Extension d'ici 2028 »."
        ),
    )
    title_en = _text(_("The change to achieve (English, if you can)"), max_length=200)
    whom_fr = _text(_("For whom (French)"), help_text=_("The people the change is for."))
    whom_en = _text(_("For whom (English)"))
    territory = forms.ChoiceField(label=_("Where"))
    due_on = _date(_("By when"))
    description_fr = _text(_("Why, and how (French)"), textarea=True, max_length=4000)
    description_en = _text(_("Why, and how (English)"), textarea=True, max_length=4000)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Chantier.Visibility.choices, widget=forms.RadioSelect, initial="public"
    )

    def __init__(
        self, *args: Any, organisations: list[Any] | None = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = territory_choices(Territory.objects.all(), blank="—")
        if organisations is not None:
            self.fields["organisation"] = forms.ChoiceField(
                label=_("In the name of"), choices=[(o.slug, o.name) for o in organisations]
            )
            self.fields["role"] = forms.ChoiceField(
                label=_("Its role"),
                choices=[
                    (Participant.Role.LEAD, Participant.Role.LEAD.label),
                    (Participant.Role.BACKBONE, Participant.Role.BACKBONE.label),
                ],
                widget=forms.RadioSelect,
                initial=Participant.Role.LEAD,
                help_text=_(
                    "The backbone holds the chantier together (it convenes, coordinates and tracks the "
                    "indicators); a lead carries it."
                ),
            )
        if editing:
            self.fields["status"] = forms.ChoiceField(label=_("Status"), choices=Chantier.Status.choices)


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Participant.Role.choices)
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=Sector.choices,
        help_text=_("An organisation says itself which sector it belongs to."),
    )
    decides = forms.BooleanField(label=_("Holds a decision seat"), required=False)

    def __init__(self, *args: Any, role_fixed: bool = False, sector_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].disabled = self.fields["decides"].disabled = role_fixed
        self.fields["sector"].disabled = sector_fixed


class CommitmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What your organisation commits"), choices=Commitment.Kind.choices)
    amount = _amount(_("Amount ($), for money"))
    hours = forms.IntegerField(label=_("Staff hours, for staff time"), required=False, min_value=1, max_value=1_000_000)
    description_fr = _text(
        _("What (French)"), help_text=_("For example « la salle communautaire, deux soirs par semaine ».")
    )
    description_en = _text(_("What (English)"))

    def __init__(self, *args: Any, participants: list[Participant] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if participants and len(participants) > 1:
            self.fields["participant"] = forms.ChoiceField(
                label=_("For"), choices=[(str(p.pk), p.organisation.name) for p in participants]
            )


class InviteForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation to invite"), widget=forms.RadioSelect)
    role = forms.ChoiceField(
        label=_("Proposed role"), choices=Participant.Role.choices, initial=Participant.Role.PARTNER
    )
    message = _text(_("Message (optional)"), textarea=True, max_length=500)

    def __init__(self, *args: Any, candidates: list[Any], coordinates: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = dict(Organisation.Kind.choices)
        self.fields["organisation"].choices = [
            (o.slug, f"{o.name} — {kinds.get(o.kind, '')}" + (f" · {places}" if (places := _places(o)) else ""))
            for o in candidates
        ]
        if not coordinates:  # roles with a decision seat are the backbone's or the lead's to offer
            self.fields["role"].choices = [
                (value, label) for value, label in Participant.Role.choices if value in ("partner", "contributor")
            ]
            self.fields["role"].help_text = _("The backbone or the lead invites a backbone, a lead or a funder.")


def _places(organisation: Any) -> str:
    """The first territories an organisation serves, to tell namesakes apart."""
    names = [str(t.name) for t in organisation.territories.all()[:2]]
    more = organisation.territories.count() - len(names) if len(names) == 2 else 0
    return ", ".join(names) + (f" +{more}" if more > 0 else "")


class IndicatorForm(forms.Form):
    indicator = forms.ChoiceField(label=_("An adopted collective indicator"), required=False)
    name_fr = _text(_("…or a new indicator: its name (French)"), max_length=200)
    name_en = _text(_("Its name (English)"), max_length=200)
    unit_fr = _text(_("Its unit (French)"), max_length=60, help_text=_("For example « familles en attente »."))
    unit_en = _text(_("Its unit (English)"), max_length=60)
    higher_is_better = forms.TypedChoiceField(
        label=_("Which way is better?"),
        choices=[("1", _("Higher is better")), ("0", _("Lower is better"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    baseline = PeopleFloatField(label=_("Baseline"), required=False)
    baseline_on = _date(_("Baseline measured on"))
    target = PeopleFloatField(label=_("Target"), required=False)
    target_on = _date(_("Target date"))

    def __init__(self, *args: Any, adopted: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "—"), *((i.slug, i.name) for i in adopted)]


class MeasurementForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    measured_on = _date(_("Date"), required=True)
    value = PeopleFloatField(label=_("Value"))
    source = _text(
        _("Source"), required=True, help_text=_("Where the value comes from: a count, a survey, a public table…")
    )


class ActionForm(forms.Form):
    title_fr = _text(_("Action (French, required)"), max_length=200)
    title_en = _text(_("Action (English)"), max_length=200)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    elements = forms.MultipleChoiceField(
        label=_("Conditions of success it acts on"), required=False, widget=forms.CheckboxSelectMultiple
    )
    starts_on = _date(_("Starts on"))
    due_on = _date(_("Due on"))
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    budget = _amount(_("Budget ($)"))

    def __init__(
        self,
        *args: Any,
        participants: list[Participant],
        elements: list[tuple[str, str]],
        owner_fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *((str(p.pk), p.organisation.name) for p in participants)]
        self.fields["owner"].disabled = owner_fixed
        self.fields["elements"].choices = elements


class JournalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=JournalEntry.Kind.choices, widget=forms.RadioSelect, initial="meeting"
    )
    happened_on = _date(_("Date"), required=True)
    title = _text(_("Title"), required=True, max_length=200)
    text = _text(_("What was said or decided"), textarea=True, max_length=4000)

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(organisations) > 1:
            self.fields["author"] = forms.ChoiceField(
                label=_("In the name of"), choices=[(o.slug, o.name) for o in organisations]
            )
