"""Forms of the feedback app. The survey form is built from the cycle's questions; the services
check the answers again (the API and the command line go through them too)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.common.forms import DatePicker
from maillage.common.i18n import current_language
from maillage.core import feedback as core

from .models import Cycle, PublicSummary, Question
from .services import MAX_HOURS, MAX_TEXT

SKIP = "na"  # "I don't know / not applicable": the question is left out of the answer


class HoursField(forms.CharField):
    """A number of hours as people type it: « 2,5 », "2.5", « 1 000 », "1,000" in English."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(super().to_python(value) or "").strip()
        if not text:
            return None
        text = re.sub(r"[\s\u00a0\u202f]", "", text)
        if current_language() == "en" and re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")  # English thousands
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(_("Give a number of hours, for example 2.5 or 2,5."), code="invalid") from None
        if not number.is_finite() or not 0 <= number <= MAX_HOURS:
            raise forms.ValidationError(
                _("Give a number of hours between 0 and %(max)s.")
                % {"max": number_format(MAX_HOURS, force_grouping=True)},
                code="range",
            )
        return number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class SurveyForm(forms.Form):
    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == "scale":
                choices = [(str(point), str(point)) for point in core.SCALE]
                choices.append((SKIP, pgettext_lazy("survey", "Don't know or not applicable")))
                self.fields[question.code] = forms.ChoiceField(
                    label=question.text, choices=choices, widget=forms.RadioSelect, required=False
                )
            elif question.kind == "hours":
                self.fields[question.code] = HoursField(
                    label=question.text,
                    required=False,
                    help_text=_("An estimate is enough, for example 2.5 or 2,5. Leave empty if you do not know."),
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )
            else:
                self.fields[question.code] = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=MAX_TEXT,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("A steward removes names and details that could identify you before anyone reads it."),
                )

    def answers(self) -> dict[str, Any]:
        return {code: value for code, value in self.cleaned_data.items() if value not in (None, SKIP)}

    def scale_fields(self) -> list[tuple[Any, Any]]:
        return [(q, self[q.code]) for q in self.questions if q.kind == "scale"]

    def other_fields(self) -> list[tuple[Any, Any]]:
        return [(q, self[q.code]) for q in self.questions if q.kind != "scale"]


class CycleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Cycle
        fields = ["name_fr", "name_en", "slug", "year", "closes_on"]
        widgets = {"closes_on": DatePicker()}
        help_texts = {"slug": _("Lowercase letters, digits and hyphens, for example 2026.")}
        error_messages = {"slug": {"unique": _("Another cycle already has this identifier.")}}


class QuestionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Question
        fields = ["kind", "text_fr", "text_en", "low_fr", "low_en", "high_fr", "high_en"]
        widgets = {"kind": forms.RadioSelect}


class CommentReviewForm(forms.Form):
    text = forms.CharField(
        label=_("Comment to publish"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Remove names, places, dates and details that could identify who wrote it."),
    )
    decision = forms.ChoiceField(
        choices=[("publish", _("Publish")), ("reject", _("Set aside"))], widget=forms.HiddenInput, required=False
    )


class SummaryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PublicSummary
        fields = ["is_published", "response_fr", "response_en"]
        widgets = {
            "response_fr": forms.Textarea(attrs={"rows": 4}),
            "response_en": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "response_fr": _("What you take from the feedback and what you will change, shown with the summary."),
        }
