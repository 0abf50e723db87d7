"""The core's tests read its messages in their source language, English."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def french_by_default():
    """Overrides the project-wide fixture of the same name: here, English (the msgids)."""
    from django.utils import translation

    with translation.override("en"):
        yield
