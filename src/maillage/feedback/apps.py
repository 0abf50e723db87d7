from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "maillage.feedback"
    verbose_name = _("Anonymous feedback")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permissions)
