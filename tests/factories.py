"""Factories of the directory and accounts, registered as fixtures in conftest.py.

Records made here get their search text through the same service function as records
made through the interface, so that search tests exercise the real indexing.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from maillage.accounts.models import Membership, User
from maillage.directory.indexing import index as reindex_saved  # the services' indexing
from maillage.directory.models import Initiative, InitiativeCarrier, Organisation, Relation, SupportOffer, SupportType


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"organisme-{n}")
    name_fr = factory.Sequence(lambda n: f"Organisme {n}")
    is_field_actor = True
    kind = Organisation.Kind.COMMUNITY
    internal_notes = "secret note"
    contact_email = "contact@example.org"
    annual_budget = Organisation.BudgetRange.UNDER_100K

    @factory.post_generation
    def links(obj, create, extracted, **kwargs):
        """``links={"territories": [...], "sectors": [...]}`` sets many-to-many links, then indexes."""
        if create:
            for name, values in (extracted or {}).items():
                getattr(obj, name).set(values)
            reindex_saved(obj)


class InitiativeFactory(DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"initiative-{n}")
    name_fr = factory.Sequence(lambda n: f"Initiative {n}")
    internal_notes = "initiative secret"
    annual_budget = 12000

    @factory.post_generation
    def carrier(obj, create, extracted, **kwargs):
        if create:
            organisation = extracted or OrganisationFactory()
            InitiativeCarrier.objects.create(initiative=obj, organisation=organisation, is_lead=True)
            reindex_saved(obj)


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = SupportOffer
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"offre-{n}")
    name_fr = factory.Sequence(lambda n: f"Offre {n}")
    support_type = factory.LazyFunction(lambda: SupportType.objects.get(code="accompagnement"))
    capacity = 10

    @factory.post_generation
    def provider(obj, create, extracted, **kwargs):
        if create:
            obj.providers.add(extracted or OrganisationFactory(is_support_actor=True, kind="foundation"))

    @factory.post_generation
    def links(obj, create, extracted, **kwargs):
        """Many-to-many links, then the search entry (the provider's too)."""
        if create:
            for name, values in (extracted or {}).items():
                getattr(obj, name).set(values)
            reindex_saved(obj)


class RelationFactory(DjangoModelFactory):
    class Meta:
        model = Relation

    source = factory.SubFactory(OrganisationFactory, is_support_actor=True)
    target = factory.SubFactory(OrganisationFactory)
    kind = Relation.Kind.PARTNERS
    year = 2025


def member(user: User, organisation: Organisation, role: str = Membership.Role.MEMBER) -> Membership:
    return Membership.objects.create(user=user, organisation=organisation, role=role)
