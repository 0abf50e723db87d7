"""Directory search: accents and case ignored, filters composed, thousands of results paged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.directory.indexing import organisation_entry
from maillage.directory.models import Organisation, OrganisationSearch
from maillage.directory.selectors import DirectoryFilters, initiative_search, offer_search, organisation_search

pytestmark = pytest.mark.django_db


def names(results):
    return [o.name_fr for o in results.first(10_000)]


@pytest.fixture
def ecosystem(organisation_factory, initiative_factory, offer_factory, territory, term):
    coop = organisation_factory(
        name_fr="Coopérative d'Économie Sociale du Sud",
        is_support_actor=True,
        links={"territories": [territory("quartier-saint-michel")]},
    )
    kitchen = organisation_factory(
        name_fr="Cuisine collective La Brindille",
        links={
            "territories": [territory("quartier-verdun")],
            "sectors": [term("sector", "economie-sociale")],
            "populations": [term("population", "aines")],
        },
    )
    funder = organisation_factory(
        name_fr="Fondation Érable",
        kind="foundation",
        is_field_actor=False,
        is_support_actor=True,
        links={"territories": [territory("montreal")]},
    )
    offer = offer_factory(
        name_fr="Fonds Envol",
        provider=funder,
        support_type=term("support_type", "financement-projet"),
        links={"territories": [territory("villeray-saint-michel-parc-extension")]},
    )
    initiative_factory(name_fr="Marché solidaire", carrier=kitchen, sector=term("sector", "securite-alimentaire"))
    return {"coop": coop, "kitchen": kitchen, "funder": funder, "offer": offer}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("economie sociale", {"Coopérative d'Économie Sociale du Sud", "Cuisine collective La Brindille"}),
        ("ÉCONOMIE", {"Coopérative d'Économie Sociale du Sud", "Cuisine collective La Brindille"}),
        ("cooperative sud", {"Coopérative d'Économie Sociale du Sud"}),
        ("social economy", {"Cuisine collective La Brindille"}),
        ("brindille verdun", {"Cuisine collective La Brindille"}),
        ("erable", {"Fondation Érable"}),
        ("brindille saint-michel", set()),
        ("econ soc", {"Coopérative d'Économie Sociale du Sud", "Cuisine collective La Brindille"}),  # word beginnings
        ("conomie", set()),  # not the middle of a word
        ("Coopérative, d’ÉCONOMIE!", {"Coopérative d'Économie Sociale du Sud"}),
    ],
)
def test_search_ignores_case_and_accents_and_matches_labels(ecosystem, query, expected):
    found = set(names(organisation_search(DirectoryFilters(query=query)))) - set(
        Organisation.objects.filter(kind="table").values_list("name_fr", flat=True)
    )
    assert found == expected


def test_name_matches_come_first(ecosystem, organisation_factory):
    organisation_factory(name_fr="Atelier vélo", description_fr="économie sociale et vélo")
    ranked = names(organisation_search(DirectoryFilters(query="economie sociale")))
    assert ranked[0] == "Coopérative d'Économie Sociale du Sud"


def test_filters_compose(ecosystem, territory, term):
    vsmpe = territory("villeray-saint-michel-parc-extension")
    assert "Coopérative d'Économie Sociale du Sud" in names(organisation_search(DirectoryFilters(territory=vsmpe)))
    assert "Cuisine collective La Brindille" not in names(organisation_search(DirectoryFilters(territory=vsmpe)))
    assert "Cuisine collective La Brindille" in names(
        organisation_search(DirectoryFilters(territory=territory("montreal")))
    )
    assert names(organisation_search(DirectoryFilters(role="support", query="economie"))) == [
        "Coopérative d'Économie Sociale du Sud"
    ]
    assert names(organisation_search(DirectoryFilters(population=term("population", "aines")))) == [
        "Cuisine collective La Brindille"
    ]
    assert names(organisation_search(DirectoryFilters(support_type=term("support_type", "financement-projet")))) == [
        "Fondation Érable"
    ]
    # A quartier's offers include those of its borough and of the whole island; not of other boroughs.
    assert names(offer_search(DirectoryFilters(territory=territory("quartier-saint-michel")))) == ["Fonds Envol"]
    assert names(offer_search(DirectoryFilters(territory=vsmpe))) == ["Fonds Envol"]
    assert names(offer_search(DirectoryFilters(territory=territory("quartier-verdun")))) == []
    saint_michel = names(organisation_search(DirectoryFilters(territory=territory("quartier-saint-michel"))))
    assert "Fondation Érable" in saint_michel  # active across the island
    assert "Cuisine collective La Brindille" not in saint_michel
    assert names(initiative_search(DirectoryFilters(sector=term("sector", "securite-alimentaire")))) == [
        "Marché solidaire"
    ]
    assert names(initiative_search(DirectoryFilters(territory=territory("quartier-verdun")))) == []


def test_paging_through_thousands_of_results(client):
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(slug=f"lot-{i:04d}", name_fr=f"Lot solidaire {i:04d}", is_field_actor=True, is_demo=True)
            for i in range(2500)
        ]
    )
    OrganisationSearch.objects.bulk_create([organisation_entry(org) for org in organisations])
    assert organisation_search(DirectoryFilters(query="lot solidaire")).count() == 2500
    response = client.get(reverse("directory:organisations"), {"q": "lot solidaire", "page": 100})
    assert response.status_code == 200
    assert response.context["page"].paginator.num_pages == 100
    assert [o.name_fr for o in response.context["page"].object_list][-1] == "Lot solidaire 2499"
    api = client.get("/api/organisations", {"q": "lot solidaire", "page": 13, "page_size": 200}).json()
    assert api["count"] == 2500
    assert len(api["results"]) == 100
    # A page past the end shows the last one rather than an error.
    assert client.get(reverse("directory:organisations"), {"q": "lot", "page": 999}).status_code == 200


def test_list_page_and_htmx_fragment(client, ecosystem):
    url = reverse("directory:organisations")
    page = client.get(url, {"q": "economie sociale"})
    assert page.status_code == 200
    assert "Coopérative d&#x27;Économie Sociale du Sud" in page.content.decode()
    fragment = client.get(url, {"q": "economie sociale"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert b"<html" not in fragment.content
    assert "Coopérative d&#x27;Économie Sociale du Sud" in fragment.content.decode()


def test_unknown_filter_values_are_ignored_on_the_page_and_refused_by_the_api(client):
    page = client.get(reverse("directory:organisations"), {"territory": "atlantide", "role": "wizard"})
    assert page.status_code == 200
    assert "territory" in page.context["form"].errors
    response = client.get("/api/organisations", {"territory": "atlantide"})
    assert response.status_code == 400
    assert response.json()["code"] == "territory_unknown"
    assert response.json()["problems"][0]["field"] == "territory"


def test_global_search_page(client, ecosystem):
    response = client.get(reverse("directory:search"), {"q": "saint-michel"})
    assert response.status_code == 200
    sections = {s["key"]: s for s in response.context["sections"]}
    assert sections["territories"]["count"] >= 1
    assert any(t.slug == "quartier-saint-michel" for t in sections["territories"]["items"])


@pytest.mark.parametrize("count_in_page", [False, True])
def test_page_of_counts_and_reads_the_page(count_in_page):
    """The total comes from its own count (or from the page query); past the end, the last page (clamped) or
    an empty page that keeps its number and the total; an empty set is one empty page."""
    from functools import partial

    from maillage.common import pagination

    page_of = partial(pagination.page_of, count_in_page=count_in_page)

    organisations = Organisation.objects.bulk_create(
        [
            Organisation(slug=f"page-{i:02d}", name_fr=f"Page {i:02d}", is_field_actor=True, is_demo=True)
            for i in range(23)
        ]
    )
    everything = Organisation.objects.filter(slug__startswith="page-").order_by("slug")
    second = page_of(everything, 2, 10)
    assert [o.slug for o in second] == [f"page-{i:02d}" for i in range(10, 20)]
    assert (second.paginator.count, second.paginator.num_pages, second.number) == (23, 3, 2)
    assert second.has_next()
    assert second.has_previous()
    last = page_of(everything, 7, 10)
    assert (last.number, [o.slug for o in last]) == (3, ["page-20", "page-21", "page-22"])
    assert not last.has_next()
    beyond = page_of(everything, 7, 10, clamp=False)
    assert (beyond.number, list(beyond), beyond.paginator.count) == (7, [], 23)
    ids = page_of(everything, 3, 10, field="pk")
    assert ids.object_list == [o.pk for o in organisations[20:]]
    nothing = page_of(everything.filter(slug="none"), 4, 10)
    assert (nothing.number, list(nothing), nothing.paginator.count, nothing.paginator.num_pages) == (1, [], 0, 1)
