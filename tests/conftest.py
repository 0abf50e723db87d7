"""Shared fixtures: the reference data loaded once per test database, factories, users by role."""

from __future__ import annotations

import os

import pytest
from pytest_factoryboy import register

from tests import factories

# Playwright's sync API runs an event loop in the test thread; the live server's ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

register(factories.UserFactory)
register(factories.OrganisationFactory)
register(factories.InitiativeFactory)
register(factories.OfferFactory)
register(factories.RelationFactory)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real territories and vocabularies once; tests roll back on top of them."""
    from maillage.diagnostics.loaders import framework_load_default
    from maillage.directory.loaders import reference_load

    with django_db_blocker.unblock():
        reference_load()
        framework_load_default()


@pytest.fixture
def reference(db):
    """For transactional tests (the live server), whose database is emptied after each test."""
    from maillage.diagnostics.loaders import framework_load_default
    from maillage.directory.loaders import reference_load
    from maillage.directory.models import Territory

    if not Territory.objects.exists():
        reference_load()
        framework_load_default()


@pytest.fixture
def territory(db):
    from maillage.directory.models import Territory

    return lambda slug: Territory.objects.get(slug=slug)


@pytest.fixture
def term(db):
    from maillage.directory.models import Language, Population, Sector, SupportType

    models = {"sector": Sector, "population": Population, "support_type": SupportType, "language": Language}
    return lambda kind, code: models[kind].objects.get(code=code)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: analytics cache their pictures under a fingerprint of the
    data, and a rolled-back test may leave the same counts behind (so may the offers baskets keep)."""
    from django.core.cache import cache

    from maillage.matching.selectors import forget_catalogue

    cache.clear()
    forget_catalogue()


@pytest.fixture(autouse=True)
def french_by_default():
    """Each test starts in the default language, whatever the previous request activated."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()
