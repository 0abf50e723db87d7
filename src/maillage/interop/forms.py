"""The upload form of the open data page. It collects what the steward gives; the service checks it (the API
goes through it too) and its problems come back on each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from maillage.core.errors import Problem

from . import services


class UploadForm(forms.Form):
    standard = forms.ChoiceField(
        label=_("Format of the file"),
        choices=[(f.code, f.label) for f in services.FORMATS.values()],
        initial="csv",
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label=_("File"))
    source = forms.CharField(
        label=_("Where do these data come from?"),
        max_length=200,
        help_text=_(
            "Who publishes the file, for example “Répertoire 211”. It is kept with each new record. Give the same "
            "source, word for word, to every later version of the same file: its rows then find the organisations "
            "the first import created (the date of each import is kept apart)."
        ),
    )
    demo = forms.BooleanField(
        label=_("Fictional demo data"),
        required=False,
        help_text=_(
            "Tick only for made-up records: they are labelled “demo” everywhere and never mixed with real ones."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8 text: CSV (separated by commas, semicolons or tabs) or JSON; a .zip for HSDS's tabular data "
            "package. At most %(size)s."
        ) % {"size": filesizeformat(services.max_bytes())}
        self.fields["file"].widget.attrs["accept"] = ".csv,.tsv,.txt,.json,.zip"

    def field_for_problem(self, problem: Problem) -> str | None:
        return problem.field
