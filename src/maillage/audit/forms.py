from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.common.forms import DatePicker

from . import registry, selectors


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False)
    action = forms.ChoiceField(label=pgettext_lazy("audit", "Change"), required=False)
    actor = forms.CharField(label=_("Who (e-mail address)"), required=False, max_length=200)
    since = forms.DateField(label=_("From"), required=False, widget=DatePicker())
    until = forms.DateField(label=_("To"), required=False, widget=DatePicker())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything"))] + [(k.code, k.name) for k in registry.KINDS]
        self.fields["action"].choices = [("", _("Any change")), *selectors.action_names().items()]

    def clean_actor(self) -> str:
        return self.cleaned_data["actor"].replace("\x00", "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return data

    def filters(self) -> selectors.Filters:
        if not self.is_valid():
            return selectors.Filters()
        data = self.cleaned_data
        return selectors.Filters(
            kind=data["kind"], action=data["action"], actor=data["actor"], since=data["since"], until=data["until"]
        )
