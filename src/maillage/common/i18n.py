"""Bilingual content fields: ``name_fr`` and ``name_en`` stored side by side, read with a fallback.

A model declares ``name = Localized("name")``; ``obj.name`` then returns the text in the
active language, or the other language's text when that one is empty (most organisations
write in French only). The ORM still queries ``name_fr`` and ``name_en`` directly.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

CONTENT_LANGUAGES = ("fr", "en")


def current_language() -> str:
    language = (get_language() or "fr")[:2]
    return language if language in CONTENT_LANGUAGES else "fr"


class Localized:
    """Descriptor returning the active language's value of a ``<base>_fr`` / ``<base>_en`` pair."""

    def __init__(self, base: str) -> None:
        self.base = base

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return localized(instance, self.base)


def localized(instance: Any, base: str, language: str | None = None) -> str:
    language = language or current_language()
    order = (language, *(lang for lang in CONTENT_LANGUAGES if lang != language))
    for lang in order:
        value = getattr(instance, f"{base}_{lang}", "")
        if value:
            return str(value)
    return ""


def is_fallback(instance: Any, base: str) -> bool:
    """True when the active language's text is missing and the other language is shown."""
    return not getattr(instance, f"{base}_{current_language()}", "") and bool(localized(instance, base))
