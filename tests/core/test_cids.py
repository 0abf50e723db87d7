"""The CIDS JSON-LD document: its nodes, their links both ways, their identifiers and literals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from maillage.core.cids import CONTEXT, Indicator, Report, document

ORG = "https://maillage.example/ecosystemes/montreal/"
AXE_1 = ("https://maillage.example/cadre/axe-1", "Axe 1 : Se loger")
AXE_2 = ("https://maillage.example/cadre/axe-2#pilier", "Axe 2 : Se nourrir")

RATE = Indicator(
    uri="https://maillage.example/indicateurs/taux-de-logement",
    name="Taux de logement stable",
    description="Part des ménages logés depuis un an.",
    unit="%",
    codes=("PI4060", "PI4060", "OI 1"),
    themes=(AXE_1, AXE_2, AXE_1),
    baseline=41.0,
    target=55.5,
    target_date=dt.date(2027, 12, 31),
    reports=(
        Report(value=47.25, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), source="Sondage annuel, n=312"),
        Report(
            value=44,
            start=dt.date(2025, 3, 1),
            end=dt.date(2025, 8, 31),
            source="",
            comment="Saison estivale seulement",
        ),
    ),
)
RATING = Indicator(
    uri="https://maillage.example/indicateurs/note-moyenne",
    name="Note moyenne des organismes",
    description="",
    unit="mean rating (1-7)",
    codes=("OI 1",),
    themes=(AXE_2,),
    reports=(Report(value=5.8, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), source="Questionnaire"),),
)
BARE = Indicator(uri="https://maillage.example/indicateurs/nu", name="Nombre de tables", description="", unit="tables")


def make(indicators: tuple[Indicator, ...] = (RATE, RATING, BARE), language: str = "fr") -> dict[str, Any]:
    return document(
        organisation_uri=ORG, organisation_name="Maillage Montréal", indicators=indicators, language=language
    )


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return make()


@pytest.fixture(scope="module")
def nodes(doc) -> dict[str, dict[str, Any]]:
    """The top-level nodes of the graph by @id (the graph never holds one twice: see test_ids_are_unique)."""
    return {node["@id"]: node for node in doc["@graph"]}


def ids(refs: Any) -> list[str]:
    """The IRIs of a reference or list of references, checking each is a bare {"@id": ...}."""
    refs = refs if isinstance(refs, list) else [refs]
    assert all(set(ref) == {"@id"} for ref in refs)
    return [ref["@id"] for ref in refs]


def of_type(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in doc["@graph"] if node["@type"] == kind]


def typed_nodes(value: Any) -> list[dict[str, Any]]:
    """Every node object with an @id and a @type in value, nested ones included (not value objects)."""
    return [d for d in walk(value) if "@id" in d and "@type" in d and "@value" not in d]


def walk(value: Any):
    """Every dict in value, nested ones included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def date_time(text: str) -> dict[str, str]:
    return {"@value": text, "@type": "xsd:dateTime"}


def test_context_has_the_namespaces_of_the_published_cids_context(doc):
    assert doc["@context"] == {
        "cids": "https://ontology.commonapproach.org/cids#",
        "org": "http://ontology.eil.utoronto.ca/tove/organization#",
        "i72": "http://ontology.eil.utoronto.ca/ISO21972/iso21972#",
        "prov": "http://www.w3.org/ns/prov#",
        "dcat": "http://www.w3.org/ns/dcat#",
        "dcterms": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    assert set(doc) == {"@context", "@graph"}


def test_every_prefix_used_is_declared(doc):
    used = set()
    for node in walk(doc["@graph"]):
        used |= {key.split(":")[0] for key in node if not key.startswith("@")}
        kinds = node.get("@type")
        if kinds is not None:
            used.add(kinds.split(":")[0])
    assert used <= set(CONTEXT)
    assert {"cids", "org", "i72", "prov", "dcat", "dcterms", "xsd"} <= used


def test_graph_holds_each_node_once_in_order(doc):
    assert [node["@id"] for node in doc["@graph"]] == [
        ORG,
        AXE_1[0],
        AXE_2[0],
        ORG + "#code-PI4060",
        ORG + "#code-OI%201",
        RATE.uri,
        RATE.uri + "#target",
        RATE.uri + "#report-2025",
        RATE.uri + "#report-2025-03-01--2025-08-31",
        RATING.uri,
        RATING.uri + "#report-2024",
        BARE.uri,
    ]


def test_organisation(nodes):
    org = nodes[ORG]
    assert org["@type"] == "cids:Organization"
    assert org["org:hasLegalName"] == "Maillage Montréal"
    assert ids(org["cids:hasIndicator"]) == [RATE.uri, RATING.uri, BARE.uri]


def test_indicators_link_to_the_organisation_both_ways(doc, nodes):
    indicators = of_type(doc, "cids:Indicator")
    assert [i["@id"] for i in indicators] == ids(nodes[ORG]["cids:hasIndicator"])
    for indicator in indicators:
        assert ids(indicator["cids:forOrganization"]) == [ORG]


def test_indicator_properties(nodes):
    rate = nodes[RATE.uri]
    assert rate["org:hasName"] == "Taux de logement stable"
    assert rate["cids:hasDescription"] == "Part des ménages logés depuis un an."
    assert rate["cids:unitDescription"] == "%"
    rating = nodes[RATING.uri]
    assert rating["cids:unitDescription"] == "mean rating (1-7)"
    assert "cids:hasDescription" not in rating  # blank: left out rather than given empty
    bare = nodes[BARE.uri]
    assert set(bare) == {
        "@id",
        "@type",
        "org:hasName",
        "cids:unitDescription",
        "cids:forOrganization",
    }


def test_reports_link_to_their_indicator_both_ways(doc, nodes):
    reports = of_type(doc, "cids:IndicatorReport")
    assert len(reports) == 3
    for report in reports:
        (indicator,) = ids(report["cids:forIndicator"])
        assert report["@id"] in ids(nodes[indicator]["cids:hasIndicatorReport"])
        assert ids(report["cids:forOrganization"]) == [ORG]
    for indicator in of_type(doc, "cids:Indicator"):
        for report_id in ids(indicator.get("cids:hasIndicatorReport", [])):
            assert nodes[report_id]["@type"] == "cids:IndicatorReport"
            assert ids(nodes[report_id]["cids:forIndicator"]) == [indicator["@id"]]
    assert "cids:hasIndicatorReport" not in nodes[BARE.uri]


def test_report_of_a_calendar_year(nodes):
    report = nodes[RATE.uri + "#report-2025"]
    assert report["org:hasName"] == "Taux de logement stable (2025-01-01/2025-12-31)"
    assert report["i72:value"] == {
        "@id": RATE.uri + "#report-2025-value",
        "@type": "i72:Measure",
        "i72:hasNumericalValue": "47.25",
    }
    assert report["prov:startedAtTime"] == date_time("2025-01-01T00:00:00")
    assert report["prov:endedAtTime"] == date_time("2025-12-31T23:59:59")
    assert report["dcat:dataset"] == {
        "@id": RATE.uri + "#report-2025-source",
        "@type": "dcat:Dataset",
        "dcterms:description": {"@value": "Sondage annuel, n=312", "@language": "fr"},
    }
    assert "cids:hasComment" not in report


def test_report_of_another_period(nodes):
    report = nodes[RATE.uri + "#report-2025-03-01--2025-08-31"]
    assert report["i72:value"]["i72:hasNumericalValue"] == "44"
    assert report["prov:startedAtTime"] == date_time("2025-03-01T00:00:00")
    assert report["prov:endedAtTime"] == date_time("2025-08-31T23:59:59")
    assert report["cids:hasComment"] == "Saison estivale seulement"
    assert "dcat:dataset" not in report  # no source given


def test_themes_once_each_and_linked_from_their_indicators(doc, nodes):
    themes = of_type(doc, "cids:Theme")
    assert themes == [
        {"@id": AXE_1[0], "@type": "cids:Theme", "org:hasName": AXE_1[1]},
        {"@id": AXE_2[0], "@type": "cids:Theme", "org:hasName": AXE_2[1]},
    ]
    assert ids(nodes[RATE.uri]["cids:forTheme"]) == [AXE_1[0], AXE_2[0]]
    assert ids(nodes[RATING.uri]["cids:forTheme"]) == [AXE_2[0]]
    assert "cids:forTheme" not in nodes[BARE.uri]


def test_codes_once_each_with_their_identifier(doc, nodes):
    assert of_type(doc, "cids:Code") == [
        {"@id": ORG + "#code-PI4060", "@type": "cids:Code", "org:hasIdentifier": "PI4060"},
        {"@id": ORG + "#code-OI%201", "@type": "cids:Code", "org:hasIdentifier": "OI 1"},
    ]
    assert ids(nodes[RATE.uri]["cids:hasCode"]) == [ORG + "#code-PI4060", ORG + "#code-OI%201"]
    assert ids(nodes[RATING.uri]["cids:hasCode"]) == [ORG + "#code-OI%201"]


def test_baseline_and_target(doc, nodes):
    rate = nodes[RATE.uri]
    assert rate["cids:hasBaseline"] == {
        "@id": RATE.uri + "#baseline",
        "@type": "i72:Measure",
        "i72:hasNumericalValue": "41",
    }
    assert ids(rate["cids:hasTarget"]) == [RATE.uri + "#target"]
    assert nodes[RATE.uri + "#target"] == {
        "@id": RATE.uri + "#target",
        "@type": "cids:Target",
        "org:hasName": "Taux de logement stable",
        "i72:value": {"@id": RATE.uri + "#target-value", "@type": "i72:Measure", "i72:hasNumericalValue": "55.5"},
        "prov:endedAtTime": date_time("2027-12-31T23:59:59"),
    }
    for report_id in ids(rate["cids:hasIndicatorReport"]):
        assert ids(nodes[report_id]["cids:forTarget"]) == [RATE.uri + "#target"]
    rating = nodes[RATING.uri]
    assert "cids:hasBaseline" not in rating
    assert "cids:hasTarget" not in rating
    assert "cids:forTarget" not in nodes[RATING.uri + "#report-2024"]
    assert len(of_type(doc, "cids:Target")) == 1


def test_target_without_date_and_date_without_target():
    no_date = Indicator(uri=RATE.uri, name="n", description="", unit="%", target=3)
    (_, _, target) = make((no_date,))["@graph"]
    assert target["@type"] == "cids:Target"
    assert "prov:endedAtTime" not in target
    no_target = Indicator(uri=RATE.uri, name="n", description="", unit="%", target_date=dt.date(2030, 1, 1))
    assert [n["@type"] for n in make((no_target,))["@graph"]] == ["cids:Organization", "cids:Indicator"]


def test_ids_are_unique(doc):
    node_ids = [node["@id"] for node in typed_nodes(doc["@graph"])]
    # 12 in the graph, 5 measures (a baseline, a target value, 3 report values) and 2 sources nested.
    assert len(node_ids) == len(set(node_ids)) == 19
    assert all(node_id.startswith("https://maillage.example/") for node_id in node_ids)


def test_every_reference_names_a_node_of_the_document(doc):
    known = {node["@id"] for node in typed_nodes(doc["@graph"])}
    references = [node["@id"] for node in walk(doc["@graph"]) if set(node) == {"@id"}]
    assert references
    assert set(references) <= known


def test_json_round_trip_and_stable_output(doc):
    text = json.dumps(doc, ensure_ascii=False)
    assert json.loads(text) == doc
    assert json.dumps(make(), ensure_ascii=False) == text


def test_no_two_places_share_one_dict(doc):
    seen: set[int] = set()
    for node in walk(doc):
        assert id(node) not in seen
        seen.add(id(node))


def test_empty_input():
    assert make(()) == {
        "@context": CONTEXT,
        "@graph": [{"@id": ORG, "@type": "cids:Organization", "org:hasLegalName": "Maillage Montréal"}],
    }


def test_cids_text_is_plain_strings_and_only_the_source_is_language_tagged(doc):
    tagged = [node for node in walk(doc["@graph"]) if "@language" in node]
    assert tagged == [
        {"@value": "Sondage annuel, n=312", "@language": "fr"},
        {"@value": "Questionnaire", "@language": "fr"},
    ]
    text_keys = ("org:hasName", "org:hasLegalName", "cids:hasDescription", "cids:unitDescription", "cids:hasComment")
    for node in walk(doc["@graph"]):
        for key in text_keys:
            if key in node:
                assert isinstance(node[key], str)


def test_language_is_the_one_given():
    english = make(language="en-CA")
    tagged = {node["@language"] for node in walk(english["@graph"]) if "@language" in node}
    assert tagged == {"en-CA"}


@pytest.mark.parametrize("language", ["", "fr1", "f", "fr_CA", "fr-", "fr--CA", "fr CA", "français"])
def test_a_language_that_is_not_a_tag_is_refused(language):
    with pytest.raises(ValueError, match="BCP 47"):
        make(language=language)


def test_numbers_are_decimal_strings():
    values = (1e-7, 2.5e20, -0.0, 0.1, -3.25, 7)
    reports = tuple(
        Report(value=v, start=dt.date(2000 + i, 1, 1), end=dt.date(2000 + i, 12, 31), source="")
        for i, v in enumerate(values)
    )
    graph = make((Indicator(uri=RATE.uri, name="n", description="", unit="u", reports=reports),))["@graph"]
    written = [n["i72:value"]["i72:hasNumericalValue"] for n in graph if n["@type"] == "cids:IndicatorReport"]
    assert written == ["0.0000001", "250000000000000000000", "0", "0.1", "-3.25", "7"]


def test_only_a_whole_calendar_year_is_named_by_its_year():
    periods = [
        (dt.date(2024, 1, 1), dt.date(2025, 12, 31), "#report-2024-01-01--2025-12-31"),
        (dt.date(2024, 1, 2), dt.date(2024, 12, 31), "#report-2024-01-02--2024-12-31"),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 30), "#report-2024-01-01--2024-12-30"),
        (dt.date(2024, 6, 1), dt.date(2024, 6, 1), "#report-2024-06-01--2024-06-01"),
        (dt.date(2023, 1, 1), dt.date(2023, 12, 31), "#report-2023"),
    ]
    reports = tuple(Report(value=1, start=start, end=end, source="") for start, end, _ in periods)
    graph = make((Indicator(uri=RATE.uri, name="n", description="", unit="u", reports=reports),))["@graph"]
    assert [n["@id"] for n in graph[2:]] == [RATE.uri + suffix for _, _, suffix in periods]


def test_a_datetime_counts_as_its_day():
    report = Report(value=1, start=dt.datetime(2025, 1, 1, 15, 30), end=dt.datetime(2025, 12, 31, 8), source="")
    graph = make((Indicator(uri=RATE.uri, name="n", description="", unit="u", reports=(report,)),))["@graph"]
    assert graph[-1]["@id"] == RATE.uri + "#report-2025"
    assert graph[-1]["prov:startedAtTime"] == date_time("2025-01-01T00:00:00")
    assert graph[-1]["prov:endedAtTime"] == date_time("2025-12-31T23:59:59")


def year(value: float, y: int = 2025) -> Report:
    return Report(value=value, start=dt.date(y, 1, 1), end=dt.date(y, 12, 31), source="")


def one(**changes: Any) -> Indicator:
    fields: dict[str, Any] = {"uri": RATE.uri, "name": "n", "description": "", "unit": "u"}
    return Indicator(**{**fields, **changes})


@pytest.mark.parametrize(
    ("indicators", "message"),
    [
        ((one(uri="/indicateurs/relatif"),), "not an absolute"),
        ((one(uri="mailto:someone@example.org"),), "not an absolute"),
        ((one(uri=RATE.uri + "#frag"),), "fragment"),
        ((one(uri=RATE.uri + "#"),), "fragment"),
        ((one(name="  "),), "blank"),
        ((one(unit=""),), "blank"),
        ((one(codes=("",)),), "blank"),
        ((one(themes=(("axe-1", "Axe 1"),)),), "not an absolute"),
        ((one(themes=((AXE_1[0], ""),)),), "blank"),
        ((one(themes=(AXE_1,)), one(uri=RATING.uri, themes=((AXE_1[0], "Autre nom"),))), "named both"),
        ((one(reports=(Report(1, dt.date(2025, 2, 1), dt.date(2025, 1, 31), ""),)),), "before it starts"),
        ((one(reports=(year(1), year(2))),), "Two nodes"),
        ((one(), one()), "Two nodes"),
        ((one(themes=((RATING.uri, "Axe"),)), one(uri=RATING.uri)), "Two nodes"),
        ((one(reports=(year(float("nan")),)),), "finite"),
        ((one(baseline=float("inf")),), "finite"),
        ((one(target=float("-inf")),), "finite"),
    ],
)
def test_input_that_would_make_a_wrong_document_is_refused(indicators, message):
    with pytest.raises(ValueError, match=message):
        make(indicators)


@pytest.mark.parametrize("organisation_uri", ["maillage.example", ORG + "#steward", "https:///nohost"])
def test_organisation_iri_must_be_absolute_without_fragment(organisation_uri):
    with pytest.raises(ValueError, match="organisation IRI"):
        document(organisation_uri=organisation_uri, organisation_name="M", indicators=(), language="fr")


def test_organisation_name_must_not_be_blank():
    with pytest.raises(ValueError, match="organisation name"):
        document(organisation_uri=ORG, organisation_name=" ", indicators=(), language="fr")
