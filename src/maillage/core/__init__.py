"""The pure core of Maillage: no Django, no database, no network.

Everything here takes and returns plain Python values and dataclasses, so that it can be
tested alone, benchmarked, and used from a notebook. A test fails if any module of this
package imports Django.

Modules:

- :mod:`maillage.core.errors`: the one error model (codes, messages, precise problems).
- :mod:`maillage.core.i18n`: the translation hook that the Django layer plugs its gettext into.
- :mod:`maillage.core.text`: accent- and case-insensitive normalisation for search and sorting.
- :mod:`maillage.core.geo`: GeoJSON validation, simplification and SVG map rendering.
- :mod:`maillage.core.territories`: reading and validating Montréal's reference territories.
- :mod:`maillage.core.identifiers`: Québec NEQ and CRA business number checks.
- :mod:`maillage.core.framework`: the success-conditions framework (versioned YAML/JSON), validated.
- :mod:`maillage.core.scoring`: a self-diagnostic's answers → element scores → ranked, weighted needs.
- :mod:`maillage.core.basket`: the exact basket of support of one initiative.
- :mod:`maillage.core.allocation`: ecosystem allocation (formats, checker, solver, generator).
- :mod:`maillage.core.demo`: the seeded generator of fictional ecosystems (and demo diagnostics).
- :mod:`maillage.core.analytics`: demand against supply (gaps, overlaps), money and power, equity groups.
- :mod:`maillage.core.sankey`: the geometry of a two-column flow chart.
- :mod:`maillage.core.network`: network metrics (brokers, communities, density, isolates) with networkit.
- :mod:`maillage.core.synergies`: pairs and groups of field actors who could share resources.
- :mod:`maillage.core.feedback`: the feedback survey, thresholds, slices safe from differencing, percentiles.
"""

__all__: list[str] = []
