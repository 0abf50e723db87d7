from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChantiersConfig(AppConfig):
    """Chantiers: collective, three-sector work around a precise change (a common agenda, shared
    measurement, mutually reinforcing activities, continuous communication and a backbone)."""

    name = "maillage.chantiers"
    verbose_name = _("Chantiers")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permissions)
