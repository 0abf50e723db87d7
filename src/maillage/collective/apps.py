from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectiveConfig(AppConfig):
    """The collective definition of success: shared indicators, deliberation rounds (rankings and
    Pol.is-style reactions), differences of vision, the dashboard of adopted indicators."""

    name = "maillage.collective"
    verbose_name = _("Collective definition of success")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permissions)
