from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """Open data in and out: HSDS 3, 360Giving, CIDS and CSV (issue 9; so far the HSDS and 360Giving exports,
    validated against the official schemas)."""

    name = "maillage.interop"
    verbose_name = _("Open data")
