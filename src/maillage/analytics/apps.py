from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "maillage.analytics"
    verbose_name = _("Ecosystem analytics")
