"""Loading reference data and the demo: idempotent, all or nothing, fictional records labelled."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from maillage.core.demo import DemoSpec
from maillage.core.errors import MaillageError
from maillage.directory import loaders
from maillage.directory.models import Initiative, Organisation, OrganisationSearch, Relation, SupportOffer, Territory

pytestmark = pytest.mark.django_db


def test_reference_is_loaded_with_real_territories_and_tables():
    assert Territory.objects.count() == 68
    saint_michel = Territory.objects.get(slug="quartier-saint-michel")
    assert saint_michel.table_organisation.name_fr == "Vivre Saint-Michel en santé"
    assert not saint_michel.table_organisation.is_demo
    assert saint_michel.within.get().slug == "villeray-saint-michel-parc-extension"
    assert saint_michel.population_2021 == 57362
    assert saint_michel.map_geometry["type"] in ("Polygon", "MultiPolygon")
    assert Organisation.objects.filter(kind="table").count() == 32


def test_reference_load_is_idempotent():
    before = (Territory.objects.count(), Organisation.objects.count(), Territory.within.through.objects.count())
    loaders.reference_load()
    assert (Territory.objects.count(), Organisation.objects.count(), Territory.within.through.objects.count()) == before


def test_broken_reference_files_change_nothing(tmp_path):
    broken = tmp_path / "montreal"
    shutil.copytree(loaders.MONTREAL_DIR, broken)
    (broken / "tables_de_quartier_indicators.csv").write_text("not,a,valid\nfile\n", encoding="utf-8")
    Territory.objects.filter(slug="quartier-verdun").update(population_2021=1)
    with pytest.raises(MaillageError) as info:
        loaders.reference_load(montreal_dir=broken)
    assert info.value.problems[0].file == "tables_de_quartier_indicators.csv"
    assert Territory.objects.get(slug="quartier-verdun").population_2021 == 1


def test_reference_command_reports_errors_and_exits_non_zero(tmp_path):
    broken = tmp_path / "montreal"
    shutil.copytree(loaders.MONTREAL_DIR, broken)
    (broken / "quartierssociologiques2014.geojson").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("reference", montreal_dir=broken, verbosity=0)
    assert "quartierssociologiques2014.geojson" in str(info.value)


def test_demo_load_replaces_only_fictional_records():
    summary = loaders.demo_load(DemoSpec(organisations=60, seed=11))
    assert summary.organisations == 60
    assert Organisation.objects.filter(is_demo=True).count() == 60
    assert Initiative.objects.filter(is_demo=False).count() == 0
    assert SupportOffer.objects.exclude(is_demo=True).count() == 0
    assert Relation.objects.exclude(is_demo=True).count() == 0
    first_slugs = set(Organisation.objects.filter(is_demo=True).values_list("slug", flat=True))
    loaders.demo_load(DemoSpec(organisations=60, seed=11))
    assert set(Organisation.objects.filter(is_demo=True).values_list("slug", flat=True)) == first_slugs
    assert Organisation.objects.filter(kind="table", is_demo=False).count() == 32


def test_demo_records_are_searchable_by_their_labels():
    loaders.demo_load(DemoSpec(organisations=60, seed=11))
    org = Organisation.objects.filter(is_demo=True, sectors__code="economie-sociale").first()
    assert org is not None
    assert " economie sociale " in org.search_entry.search_text
    assert OrganisationSearch.objects.count() == Organisation.objects.count()


def test_demo_command(capsys):
    call_command("demo", organisations=30, seed=1, verbosity=0)
    assert Organisation.objects.filter(is_demo=True).count() == 30
    call_command("demo", if_empty=True, verbosity=0)
    assert Organisation.objects.filter(is_demo=True).count() == 30
    call_command("demo", clear=True, verbosity=0)
    assert not Organisation.objects.filter(is_demo=True).exists()
    with pytest.raises(CommandError):
        call_command("demo", organisations=0, verbosity=0)
