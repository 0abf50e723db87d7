"""Forms of the collective app. They collect what people type; the services check it (the API and the
command line go through them too) and their problems come back on each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.common.forms import DatePicker
from maillage.common.i18n import current_language
from maillage.core.feedback import QUESTIONS

from .models import Indicator, Reaction, Round, Statement


def _text(label: Any, *, required: bool = False, textarea: bool = False, max_length: int = 300, **kw: Any) -> Any:
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else None
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget, **kw)


class IndicatorForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Proposed by"))
    name_fr = _text(_("Name (French, required)"), max_length=200)
    name_en = _text(_("Name (English, if you can)"), max_length=200)
    description_fr = _text(_("What it tells, and why (French)"), textarea=True, max_length=4000)
    description_en = _text(_("What it tells, and why (English)"), textarea=True, max_length=4000)
    elements = forms.MultipleChoiceField(
        label=_("Conditions of success it follows"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The elements of the success-conditions framework this indicator tells about."),
    )
    standard_code = _text(
        _("Standard indicator (optional)"),
        max_length=200,
        help_text=_("The code or address of a Common Impact Data Standard indicator, for example an IRIS+ code."),
    )
    method = forms.ChoiceField(
        label=_("How it is measured"), choices=Indicator.Method.choices, widget=forms.RadioSelect, required=False
    )
    measure = forms.ChoiceField(
        label=_("What Maillage measures (computed)"),
        choices=[("", "—"), *Indicator.Measure.choices],
        required=False,
    )
    question = forms.ChoiceField(label=_("Feedback question (for a mean rating)"), required=False)
    unit_fr = _text(_("Unit (French, entered)"), max_length=60)
    unit_en = _text(_("Unit (English, entered)"), max_length=60)
    source_fr = _text(_("Source of the values (French, entered)"))
    source_en = _text(_("Source of the values (English, entered)"))
    higher_is_better = forms.TypedChoiceField(
        label=_("Which way is better?"),
        choices=[("1", _("Higher is better")), ("0", _("Lower is better"))],
        coerce=lambda v: v == "1",
        empty_value=True,
        required=False,
        initial="1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, organisations: list[Any], elements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.slug, o.name) for o in organisations]
        self.fields["elements"].choices = elements
        language = current_language()
        self.fields["question"].choices = [("", "—")] + [
            (q.id, q.text(language)) for q in QUESTIONS if q.kind == "scale"
        ]


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=Indicator.Status.choices, widget=forms.RadioSelect)
    target = forms.CharField(label=_("Target"), required=False, max_length=30)
    target_year = forms.CharField(label=_("Target year"), required=False, max_length=4)


class ValueForm(forms.Form):
    year = forms.CharField(label=_("Year"), max_length=4)
    value = forms.CharField(label=_("Value"), max_length=30)
    source = forms.CharField(label=_("Source"), max_length=300, help_text=_("A publication, a survey, a count…"))
    source_en = forms.CharField(label=_("Source (English, optional)"), max_length=300, required=False)


class RoundForm(forms.Form):
    slug = forms.SlugField(label=_("Identifier (in the address)"), max_length=60)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    question_fr = forms.CharField(label=_("Question asked (French)"), max_length=300, required=False)
    question_en = forms.CharField(label=_("Question asked (English)"), max_length=300, required=False)
    closes_on = forms.DateField(label=_("Planned closing date"), required=False, widget=DatePicker())


class CandidatesForm(forms.Form):
    candidates = forms.ModelMultipleChoiceField(
        label=_("Indicators put to the vote"),
        queryset=Indicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidates"]
        field.queryset = Indicator.objects.filter(is_demo=round.is_demo).exclude(status=Indicator.Status.SET_ASIDE)
        field.label_from_instance = lambda indicator: indicator.name


class StatementForm(forms.Form):
    text_fr = forms.CharField(label=_("Statement (French)"), max_length=400, required=False)
    text_en = forms.CharField(label=_("Statement (English)"), max_length=400, required=False)


class BallotForm(forms.Form):
    """One rank field per candidate (1 is best; equal ranks are ties; empty: not ranked)."""

    def __init__(self, *args: Any, candidates: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("not ranked"))] + [(str(n), str(n)) for n in range(1, len(candidates) + 1)]
        for indicator in candidates:
            self.fields[indicator.slug] = forms.ChoiceField(label=indicator.name, choices=choices, required=False)

    def ranks(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class ReactionsForm(forms.Form):
    def __init__(self, *args: Any, statements: list[Statement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements = statements
        choices = [(str(v), label) for v, label in Reaction.Vote.choices]
        for statement in statements:
            self.fields[f"s{statement.pk}"] = forms.ChoiceField(
                label=statement.text, choices=choices, widget=forms.RadioSelect, required=False
            )

    def votes(self) -> dict[int, Any]:
        return {s.pk: self.cleaned_data.get(f"s{s.pk}") for s in self.statements}
