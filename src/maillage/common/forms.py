from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Each field in one block (label, help, errors, input), checkboxes with their label after them."""

    field_template_name = "forms/field.html"
