"""The administration site for stewards: reference data and every directory record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import indexing
from .models import (
    Initiative,
    InitiativeCarrier,
    Language,
    OpenPeriod,
    Organisation,
    Population,
    Relation,
    Resource,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

admin.site.site_header = _("Maillage administration")
admin.site.site_title = _("Maillage administration")
admin.site.index_title = _("Reference data and directory")


@admin.register(Sector, Population, SupportType, Language, Resource)
class TermAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_fr", "name_en", "position")
    list_editable = ("position",)
    search_fields = ("code", "name_fr", "name_en")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name_fr", "name_en"} & set(form.changed_data):
            indexing.index_everything()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        indexing.index_everything()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        indexing.index_everything()


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_fr", "kind", "table_name", "population_2021", "low_income_pct", "priority_zone_pct")
    list_filter = ("kind",)
    search_fields = ("slug", "name_fr", "name_en", "table_name")
    exclude = ("geometry",)
    readonly_fields = ("slug", "kind", "code")
    filter_horizontal = ("within",)

    def save_model(self, request: HttpRequest, obj: Territory, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name_fr", "name_en"} & set(form.changed_data):
            indexing.index_everything()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        indexing.index_everything()


class CarrierInline(admin.TabularInline):  # type: ignore[type-arg]
    model = InitiativeCarrier
    extra = 0
    autocomplete_fields = ("organisation",)


class OpenPeriodInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OpenPeriod
    extra = 0


class SearchIndexedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Keeps the normalised search text in step when a steward edits a record here."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and isinstance(obj, SupportOffer):
            # Providers removed here must lose this offer's support type from their entries.
            obj._previous_providers = list(SupportOffer.objects.get(pk=obj.pk).providers.all())
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        indexing.index(form.instance)
        for provider in getattr(form.instance, "_previous_providers", []):
            indexing.index(provider)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        providers = list(obj.providers.all()) if isinstance(obj, SupportOffer) else []
        super().delete_model(request, obj)
        for provider in providers:
            indexing.index(provider)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        providers = (
            list(Organisation.objects.filter(offers__in=queryset).distinct()) if queryset.model is SupportOffer else []
        )
        super().delete_queryset(request, queryset)
        for provider in providers:
            indexing.index(provider)


@admin.register(Organisation)
class OrganisationAdmin(SearchIndexedAdmin):
    list_display = ("name_fr", "kind", "is_field_actor", "is_support_actor", "is_policy_actor", "is_demo")
    list_filter = ("kind", "is_field_actor", "is_support_actor", "is_policy_actor", "is_demo")
    search_fields = ("slug", "name_fr", "name_en", "acronym", "neq", "cra_charity_number")
    filter_horizontal = ("territories", "sectors", "populations", "shares_resources", "seeks_resources")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Initiative)
class InitiativeAdmin(SearchIndexedAdmin):
    list_display = ("name_fr", "stage", "sector", "is_demo")
    list_filter = ("stage", "sector", "is_demo")
    search_fields = ("slug", "name_fr", "name_en")
    filter_horizontal = ("territories", "populations")
    inlines = (CarrierInline,)


@admin.register(SupportOffer)
class SupportOfferAdmin(SearchIndexedAdmin):
    list_display = ("name_fr", "support_type", "flexibility", "capacity", "is_demo")
    list_filter = ("support_type", "flexibility", "is_multi_year", "is_demo")
    search_fields = ("slug", "name_fr", "name_en")
    filter_horizontal = ("providers", "territories", "sectors", "populations", "languages")
    inlines = (OpenPeriodInline,)


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("source", "kind", "target", "year", "amount", "is_demo")
    list_filter = ("kind", "year", "is_demo")
    autocomplete_fields = ("source", "target")
    search_fields = ("source__name_fr", "target__name_fr")
