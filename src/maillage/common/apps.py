from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "maillage.common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from maillage.common import lookups  # noqa: F401 - registers the `words` lookup
        from maillage.core import i18n

        # Core messages are translated in the language of the current request or command.
        i18n.set_translator(gettext)
