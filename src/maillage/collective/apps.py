from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectiveConfig(AppConfig):
    """The collective definition of success: shared indicators, deliberation, opinion groups (issue 8;
    so far the opinion groups of Pol.is conversations, from the command line)."""

    name = "maillage.collective"
    verbose_name = _("Collective definition of success")
