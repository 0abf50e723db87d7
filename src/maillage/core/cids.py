"""A Common Impact Data Standard (CIDS) JSON-LD document for an ecosystem's indicators.

CIDS is the ontology of Common Approach to Impact Measurement (Canada) for exchanging impact
data. :func:`document` describes, in one JSON-LD ``@graph``, the ecosystem's steward (the
publisher), its indicators, the values measured for them, and the framework elements
(themes) they are linked to. It aims at the CIDS *Basic Tier*: every property that tier's
SHACL shapes require of Organization, Theme, Indicator and IndicatorReport is given.

Sources (the ontology file, the shapes and the context are those of Common Approach's
``commonapproach/CIDS`` repository on GitHub):

- the ontology, ``cids.ttl``, version **3.1.0** (``owl:versionIRI``
  https://ontology.commonapproach.org/cids/3.1.0, ``dcterms:date`` 06-16-2025), documented at
  https://ontology.commonapproach.org/cids-en.html;
- the Basic Tier SHACL shapes, ``validation/shacl/cids.basictier.shacl.ttl``;
- the published JSON-LD context, ``contexts/cidsContext.jsonld``
  (https://ontology.commonapproach.org/contexts/cidsContext.jsonld), whose prefixes are the
  ones used here;
- Common Approach's code lists (https://codelist.commonapproach.org/, e.g. ``IrisMetric53``)
  for how a code is written.

Not confirmed: third-party notes speak of a version 3.2.0 (July 2025), but no 3.2.0 file
was found; the terms below are those of 3.1.0 and of the shapes. The 3.1.0 file declares the
``prov:`` prefix as ``https://www.w3.org/ns/prov#`` but writes its restrictions with PROV's
real namespace, ``http://www.w3.org/ns/prov#``, as do the shapes and the context: that one is used.

A sample document was checked once, by hand, with pySHACL against the Basic Tier shapes of
Organization, Theme, Indicator, IndicatorReport and Measure: no violation, only results of
severity Info, for the descriptions left out (below) and for ``cids:hasComment``, which that
shape declares ``sh:BlankNodeOrIRI`` although the ontology makes it a datatype property (a
string) and the context coerces it to ``xsd:string``; a string is given.

Classes and properties used (``org:`` is TOVE's ``http://ontology.eil.utoronto.ca/tove/organization#``,
``i72:`` ISO/IEC 21972's ``http://ontology.eil.utoronto.ca/ISO21972/iso21972#``):

- ``cids:Organization``: ``org:hasLegalName``, ``cids:hasIndicator``;
- ``cids:Theme``: ``org:hasName``;
- ``cids:Indicator``: ``org:hasName``, ``cids:hasDescription``, ``cids:unitDescription``,
  ``cids:forOrganization``, ``cids:forTheme``, ``cids:hasCode``, ``cids:hasBaseline``,
  ``cids:hasTarget``, ``cids:hasIndicatorReport``;
- ``cids:IndicatorReport``: ``org:hasName``, ``i72:value``, ``prov:startedAtTime``,
  ``prov:endedAtTime``, ``cids:forIndicator`` (``owl:inverseOf cids:hasIndicatorReport``),
  ``cids:forOrganization``, ``cids:forTarget``, ``cids:hasComment``, ``dcat:dataset``;
- ``i72:Measure``: ``i72:hasNumericalValue``;
- ``cids:Target``: ``org:hasName``, ``i72:value``, ``prov:endedAtTime``;
- ``cids:Code``: ``org:hasIdentifier`` (as in Common Approach's code lists);
- ``dcat:Dataset`` (the report's source): ``dcterms:description``.

Choices where CIDS constrains or is silent:

- Names are ``org:hasName`` (the shapes, the OWL restrictions and the context's ``hasName``
  term all use it), not ``cids:hasName``, which 3.1.0 declares only as an annotation property.
- Text in CIDS properties is a plain string (``xsd:string``), not a language-tagged literal:
  the shapes require ``sh:datatype xsd:string`` and the ontology ``owl:onDataRange
  xsd:string``, which an ``rdf:langString`` fails. Only the source's ``dcterms:description``,
  outside CIDS, carries ``@language``. Serve the document with a ``Content-Language`` header.
- Numbers: ``i72:hasNumericalValue`` is an ``xsd:string`` in the shapes and the context, so
  values are strings in decimal notation (``"12.5"``, never an exponent), which also read as
  ``xsd:decimal``.
- Periods: CIDS gives an IndicatorReport's period as ``prov:startedAtTime`` and
  ``prov:endedAtTime``, ``xsd:dateTime`` (not ``xsd:date``). A report's period runs from
  ``start``T00:00:00 to ``end``T23:59:59, in no time zone (local time); a target's
  ``prov:endedAtTime`` is its date at 23:59:59.
- The unit is ``cids:unitDescription`` (free text). ``i72:unit_of_measure``, which the
  ontology asks of Indicator, IndicatorReport and Target, needs the IRI of a unit
  individual, and free text cannot name one: it is left out.
- The source of a value goes in a ``dcat:Dataset`` linked by ``dcat:dataset`` ("the datasets
  used to derive the value"); CIDS has no free-text source property.
- A code is a ``cids:Code`` with ``org:hasIdentifier``, identified under the organisation's
  IRI (``#code-PI4060``) because the code list it comes from is not known: the same string
  from two lists would be one node. Its name, description, ``cids:definedBy`` and
  ``cids:hasSpecification`` (required at the Essential Tier) are unknown and left out.
- A target is a ``cids:Target`` named after its indicator; every report links to it with
  ``cids:forTarget``. The inverse ``cids:forIndicatorReport`` is left out: the ontology
  allows it exactly one value, and an indicator has several reports.
- ``cids:Theme`` has no property back to indicators, nor ``cids:Organization`` to reports:
  those links go one way. ``cids:hasThreshold`` (a bound on the values) is not a target and
  is not used.

- The organisation's name is given as ``org:hasLegalName``, the one name the Organization
  shape requires. A report, which has no name of its own, is named after its indicator and
  its period: "Taux (2025-01-01/2025-12-31)".

Left out because the input does not have them: ``cids:hasDescription`` of the organisation
(asked by the ontology only), of themes, and of indicators whose description is blank (the
shapes ask for it at severity Info only); ``sch:dateCreated`` (which the ontology asks of
every ``cids:cidsThing``); ``prov:wasGeneratedBy``, ``org:hasIdentifier`` and
``cids:definedBy`` of indicators; the Target's ``prov:startedAtTime``.

Identifiers (``@id``) derive from the IRIs given, so a document regenerated later names the
same things the same way: an indicator's report for a calendar year is
``<indicator>#report-2025``, for another period ``<indicator>#report-2025-03-01--2025-08-31``;
its value ``…-value`` and source ``…-source``; the indicator's baseline ``#baseline``, target
``#target`` and target value ``#target-value``. Themes keep the IRI given.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["CIDS_VERSION", "CONTEXT", "Indicator", "Report", "document"]

CIDS_VERSION = "3.1.0"

# The prefixes of the published context (contexts/cidsContext.jsonld), inline so that the
# document reads without fetching anything.
CONTEXT: dict[str, str] = {
    "cids": "https://ontology.commonapproach.org/cids#",
    "org": "http://ontology.eil.utoronto.ca/tove/organization#",
    "i72": "http://ontology.eil.utoronto.ca/ISO21972/iso21972#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# A well-formed BCP 47 tag, loosely: a primary subtag of letters, then subtags of letters and digits.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class Report:
    """One measured value of an indicator, for the period from ``start`` to ``end`` (both included)."""

    value: float
    start: datetime.date
    end: datetime.date
    source: str
    comment: str = ""


@dataclass(frozen=True)
class Indicator:
    """An indicator of the ecosystem, with its measured values."""

    uri: str
    name: str
    description: str
    unit: str
    codes: tuple[str, ...] = ()
    themes: tuple[tuple[str, str], ...] = ()
    baseline: float | None = None
    target: float | None = None
    target_date: datetime.date | None = None
    reports: tuple[Report, ...] = ()


def document(
    *, organisation_uri: str, organisation_name: str, indicators: Sequence[Indicator], language: str
) -> dict[str, Any]:
    """A JSON-LD document (a dict ready for json.dumps) with an @context and an @graph: the organisation
    (the ecosystem's steward, the publisher), one node per indicator, per report, per theme.

    The graph lists the organisation, then the themes and the codes in order of first use, then
    each indicator followed by its target and its reports. Measures and sources are nested in
    the node they belong to. ``language`` (a BCP 47 tag) is the language of every text given.

    Raises ValueError for input that would make a wrong document: a relative IRI, an indicator
    or organisation IRI with a fragment, a blank name or unit, a period ending before it
    starts, a value that is not finite, a theme named two ways, two reports of one indicator
    for the same period, or two nodes with one IRI.
    """
    if not _LANGUAGE_TAG.fullmatch(language):
        raise ValueError(f"{language!r} is not a BCP 47 language tag.")
    _check_iri(organisation_uri, "organisation", fragment=False)
    _check_text(organisation_name, "organisation name")
    themes: dict[str, dict[str, Any]] = {}
    codes: dict[str, dict[str, Any]] = {}
    rest: list[dict[str, Any]] = []
    for indicator in indicators:
        rest += _indicator_nodes(indicator, organisation_uri, themes, codes, language)

    organisation: dict[str, Any] = {
        "@id": organisation_uri,
        "@type": "cids:Organization",
        "org:hasLegalName": organisation_name,
    }
    if indicators:
        organisation["cids:hasIndicator"] = [_ref(i.uri) for i in indicators]
    graph = [organisation, *themes.values(), *codes.values(), *rest]

    seen: set[str] = set()
    for node_id in _node_ids(graph):
        if node_id in seen:
            raise ValueError(f"Two nodes of the document have the IRI {node_id}.")
        seen.add(node_id)
    return {"@context": dict(CONTEXT), "@graph": graph}


def _indicator_nodes(
    indicator: Indicator,
    organisation_uri: str,
    themes: dict[str, dict[str, Any]],
    codes: dict[str, dict[str, Any]],
    language: str,
) -> list[dict[str, Any]]:
    """The indicator's node, then its target's and its reports'; records its themes and codes."""
    uri = indicator.uri
    _check_iri(uri, "indicator", fragment=False)
    _check_text(indicator.name, f"name of the indicator {uri}")
    _check_text(indicator.unit, f"unit of the indicator {uri}")
    node: dict[str, Any] = {
        "@id": uri,
        "@type": "cids:Indicator",
        "org:hasName": indicator.name,
    }
    if indicator.description.strip():
        node["cids:hasDescription"] = indicator.description
    node["cids:unitDescription"] = indicator.unit
    node["cids:forOrganization"] = _ref(organisation_uri)

    theme_refs = []
    for theme_uri, theme_name in dict.fromkeys(indicator.themes):
        _check_iri(theme_uri, "theme", fragment=True)
        _check_text(theme_name, f"name of the theme {theme_uri}")
        known = themes.setdefault(theme_uri, {"@id": theme_uri, "@type": "cids:Theme", "org:hasName": theme_name})
        if known["org:hasName"] != theme_name:
            raise ValueError(f"The theme {theme_uri} is named both {known['org:hasName']!r} and {theme_name!r}.")
        theme_refs.append(_ref(theme_uri))
    if theme_refs:
        node["cids:forTheme"] = theme_refs

    code_refs = []
    for code in dict.fromkeys(indicator.codes):
        _check_text(code, f"code of the indicator {uri}")
        code_id = f"{organisation_uri}#code-{quote(code, safe='')}"
        codes.setdefault(code_id, {"@id": code_id, "@type": "cids:Code", "org:hasIdentifier": code})
        code_refs.append(_ref(code_id))
    if code_refs:
        node["cids:hasCode"] = code_refs

    if indicator.baseline is not None:
        node["cids:hasBaseline"] = _measure(f"{uri}#baseline", indicator.baseline)

    nodes = [node]
    target_id = None
    if indicator.target is not None:
        target_id = f"{uri}#target"
        node["cids:hasTarget"] = _ref(target_id)
        target: dict[str, Any] = {
            "@id": target_id,
            "@type": "cids:Target",
            "org:hasName": indicator.name,
            "i72:value": _measure(f"{uri}#target-value", indicator.target),
        }
        if indicator.target_date is not None:
            target["prov:endedAtTime"] = _date_time(indicator.target_date, "23:59:59")
        nodes.append(target)

    report_refs = []
    for report in indicator.reports:
        report_node = _report_node(report, indicator, organisation_uri, target_id, language)
        report_refs.append(_ref(report_node["@id"]))
        nodes.append(report_node)
    if report_refs:
        node["cids:hasIndicatorReport"] = report_refs
    return nodes


def _report_node(
    report: Report,
    indicator: Indicator,
    organisation_uri: str,
    target_id: str | None,
    language: str,
) -> dict[str, Any]:
    start, end = _day(report.start), _day(report.end)
    if end < start:
        raise ValueError(f"A report of {indicator.uri} ends ({end}) before it starts ({start}).")
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        period = str(start.year)
    else:
        period = f"{start.isoformat()}--{end.isoformat()}"
    report_id = f"{indicator.uri}#report-{period}"
    node: dict[str, Any] = {
        "@id": report_id,
        "@type": "cids:IndicatorReport",
        "org:hasName": f"{indicator.name} ({start.isoformat()}/{end.isoformat()})",
        "i72:value": _measure(f"{report_id}-value", report.value),
        "prov:startedAtTime": _date_time(start, "00:00:00"),
        "prov:endedAtTime": _date_time(end, "23:59:59"),
        "cids:forIndicator": _ref(indicator.uri),
        "cids:forOrganization": _ref(organisation_uri),
    }
    if target_id is not None:
        node["cids:forTarget"] = _ref(target_id)
    if report.comment.strip():
        node["cids:hasComment"] = report.comment
    if report.source.strip():
        node["dcat:dataset"] = {
            "@id": f"{report_id}-source",
            "@type": "dcat:Dataset",
            "dcterms:description": {"@value": report.source, "@language": language},
        }
    return node


def _ref(iri: str) -> dict[str, str]:
    """A reference to the node named iri (a fresh dict each time, so no two places share one)."""
    return {"@id": iri}


def _measure(node_id: str, value: float) -> dict[str, Any]:
    return {"@id": node_id, "@type": "i72:Measure", "i72:hasNumericalValue": _decimal(value)}


def _decimal(value: float) -> str:
    """The value in decimal notation, without exponent nor trailing zeros: 12.0 -> "12", 1e-7 -> "0.0000001"."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number.")
    text = format(Decimal(repr(number)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _day(value: datetime.date) -> datetime.date:
    """The calendar day of a date (a datetime counts as its day)."""
    return datetime.date(value.year, value.month, value.day)


def _date_time(value: datetime.date, time: str) -> dict[str, str]:
    return {"@value": f"{_day(value).isoformat()}T{time}", "@type": "xsd:dateTime"}


def _check_iri(iri: str, what: str, *, fragment: bool) -> None:
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in iri):
        raise ValueError(f"The {what} IRI {iri!r} is not an absolute http(s) IRI.")
    if not fragment and (parts.fragment or iri.endswith("#")):
        raise ValueError(f"The {what} IRI {iri!r} has a fragment; the document adds its own.")


def _check_text(text: str, what: str) -> None:
    if not text.strip():
        raise ValueError(f"The {what} is blank.")


def _node_ids(value: Any) -> list[str]:
    """The @id of every node object in value, nested ones included; references ({"@id"} alone) excluded."""
    if isinstance(value, list):
        return [node_id for item in value for node_id in _node_ids(item)]
    if not isinstance(value, dict):
        return []
    own = [value["@id"]] if "@id" in value and len(value) > 1 else []
    return own + [node_id for key, item in value.items() if key != "@id" for node_id in _node_ids(item)]
