"""Forms of the self-diagnostic, built from the framework version the diagnostic is tied to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from maillage.common.i18n import current_language
from maillage.core.framework import Level
from maillage.core.scoring import Parameters
from maillage.directory.forms import TerritoryMultipleField, _terms
from maillage.directory.models import Initiative, Organisation, Population, SupportType

from .models import Diagnostic, ScoringSettings

NOT_APPLICABLE = "na"
SCALE_LABELS = (
    ("1", pgettext_lazy("scale", "Not at all")),
    ("2", pgettext_lazy("scale", "A little")),
    ("3", pgettext_lazy("scale", "Partly")),
    ("4", pgettext_lazy("scale", "Mostly")),
    ("5", pgettext_lazy("scale", "Fully")),
    (NOT_APPLICABLE, pgettext_lazy("scale", "Not applicable")),
)
IMPORTANCE_LABELS = (
    ("1", pgettext_lazy("importance", "Useful")),
    ("2", pgettext_lazy("importance", "Important")),
    ("3", pgettext_lazy("importance", "Essential")),
)


class ContextForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage of the initiative"), choices=Initiative.Stage.choices, widget=forms.RadioSelect
    )
    team_size = forms.ChoiceField(
        label=_("Team"), choices=Diagnostic.TeamSize.choices, widget=forms.RadioSelect, required=False
    )
    budget_range = forms.ChoiceField(
        label=_("Annual budget of the initiative"),
        choices=[("", "—"), *Organisation.BudgetRange.choices],
        required=False,
    )
    territories = TerritoryMultipleField(label=_("Territories where the initiative acts"))
    populations = _terms(Population)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territories"].group_choices()  # type: ignore[attr-defined]
        self.fields["populations"].label = _("Populations served")
        self.fields["stage"].required = False  # checked on submission, so that partial saves work


class AspirationsForm(forms.Form):
    wanted_support_types = _terms(SupportType)
    max_reporting_hours = forms.IntegerField(
        label=_("Reporting you accept, at most (hours a year)"),
        help_text=_("All reports for all your support together. Leave empty if you do not know."),
        required=False,
        min_value=0,
        max_value=2000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    horizon = forms.ChoiceField(
        label=_("For how long do you want support?"),
        choices=Diagnostic.Horizon.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted_support_types"].label = _("Kinds of support you want")


def question_field(key: str) -> str:
    return f"q-{key}"


def importance_field(element_id: str) -> str:
    return f"i-{element_id}"


class LevelForm(forms.Form):
    """One level's questions (1–5 or not applicable) and, per element, its importance for the team."""

    def __init__(self, *args: Any, level: Level, diagnostic: Diagnostic, **kwargs: Any) -> None:
        initial = {}
        for element in level.elements:
            for question in element.questions:
                if question.key in diagnostic.answers:
                    value = diagnostic.answers[question.key]
                    initial[question_field(question.key)] = NOT_APPLICABLE if value is None else str(value)
            # The team's own choice, or the explicit "framework's default" choice.
            initial[importance_field(element.id)] = str(diagnostic.importance.get(element.id, ""))
        super().__init__(*args, initial=initial, **kwargs)
        self.level = level
        self.diagnostic = diagnostic
        language = current_language()
        for element in level.elements:
            for question in element.questions:
                self.fields[question_field(question.key)] = forms.ChoiceField(
                    label=question.text.get(language), choices=SCALE_LABELS, widget=forms.RadioSelect, required=False
                )
            default = str(dict(IMPORTANCE_LABELS)[str(element.importance)]).lower()
            self.fields[importance_field(element.id)] = forms.ChoiceField(
                label=_("How important is this for you?"),
                choices=[("", gettext("Framework's default ({default})").format(default=default)), *IMPORTANCE_LABELS],
                widget=forms.RadioSelect,
                required=False,
            )

    def elements(self) -> list[dict[str, Any]]:
        """What the template shows: each element with its questions' and importance's bound fields."""
        return [
            {
                "element": element,
                "questions": [self[question_field(q.key)] for q in element.questions],
                "importance": self[importance_field(element.id)],
            }
            for element in self.level.elements
        ]

    def answers(self) -> dict[str, int | None]:
        """Only the questions answered in this post: an empty choice leaves a saved answer alone."""
        answers: dict[str, int | None] = {}
        for element in self.level.elements:
            for question in element.questions:
                value = self.cleaned_data.get(question_field(question.key))
                if value:
                    answers[question.key] = None if value == NOT_APPLICABLE else int(value)
        return answers

    def importance(self) -> dict[str, int | None]:
        """The importances posted: 1–3 is the team's choice, the empty choice goes back to the default."""
        result: dict[str, int | None] = {}
        for element in self.level.elements:
            name = importance_field(element.id)
            if name in self.data:
                value = self.cleaned_data.get(name)
                result[element.id] = int(value) if value else None
        return result


class ParametersForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ScoringSettings
        fields = ScoringSettings.PARAMETERS
        widgets = {
            name: forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
            for name in ScoringSettings.PARAMETERS
        }

    @classmethod
    def for_current(cls, parameters: Parameters, data: Any = None) -> ParametersForm:
        return cls(data, initial=parameters.as_dict())


class PublishForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file (YAML or JSON)"),
        help_text=_(
            "Start from the current version (download it from the framework page), keep the ids of the "
            "elements that do not change, and give the file a new version."
        ),
    )
    note = forms.CharField(
        label=_("What changed"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class SupportActorField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Support actors, named with their kind and where they act: two organisations may share a name."""

    def label_from_instance(self, obj: Organisation) -> str:
        places = ", ".join(t.name for t in list(obj.territories.all())[:2])
        details = ", ".join(part for part in (obj.get_kind_display(), places) if part)
        return f"{obj.name} ({details})" if details else obj.name


class ShareForm(forms.Form):
    organisation = SupportActorField(
        label=_("Support actor"),
        queryset=Organisation.objects.filter(is_support_actor=True)
        .order_by("sort_key", "id")
        .prefetch_related("territories"),
        empty_label="—",
    )
