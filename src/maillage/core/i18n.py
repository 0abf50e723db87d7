"""Translation hook for the core.

The core never imports Django, yet its error messages must reach users in French or
English. Messages are written in English inside ``gettext("…")`` calls (so that Django's
``makemessages`` collects them into the project catalogue) and are translated by whatever
function the host application installs with :func:`set_translator`. Without a host, the
English text is returned unchanged.

>>> gettext("Hello")
'Hello'
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["gettext", "set_translator"]

_translator: Callable[[str], str] = str


def set_translator(translator: Callable[[str], str]) -> None:
    """Install the function that translates core messages (Django's ``gettext``)."""
    global _translator
    _translator = translator


def gettext(message: str) -> str:
    """Translate ``message`` in the active language of the host application."""
    return _translator(message)
