from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import translate_url

from maillage import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the version and the same page in the other language."""
    path = request.get_full_path()
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "maillage_version": __version__,
        "url_fr": translate_url(path, "fr"),
        "url_en": translate_url(path, "en"),
        "unread_notifications": unread,
    }
