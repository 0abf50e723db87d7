"""Network metrics: hand-computed small graphs, networkx as the reference, the generator and the bench."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import networkit as nk
import networkx as nx
import numpy as np
import pytest

from maillage.core.network import (
    STAGES,
    NetworkMetrics,
    brokers,
    generate_graph,
    graph_density,
    network_metrics,
    simple_edges,
)

BENCH = Path(__file__).resolve().parents[2] / "bench" / "network.py"


def metrics(n, edges, *, support=(), field=None, **options) -> NetworkMetrics:
    """Metrics of ``n`` nodes named n0…, ``edges`` as (source, target) pairs, ``support`` node indices;
    every other node is a field actor unless ``field`` names them."""
    sources = np.array([s for s, _ in edges], dtype=np.int64)
    targets = np.array([t for _, t in edges], dtype=np.int64)
    is_support = np.isin(np.arange(n), list(support))
    is_field = ~is_support if field is None else np.isin(np.arange(n), list(field))
    return network_metrics([f"n{i}" for i in range(n)], sources, targets, support=is_support, field=is_field, **options)


def nx_graph(n, edges) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((s, t) for s, t in edges if s != t)
    return graph


def nx_betweenness(graph: nx.Graph) -> np.ndarray:
    values = nx.betweenness_centrality(graph, normalized=True)
    return np.array([values[i] for i in range(graph.number_of_nodes())])


def two_cliques() -> list[tuple[int, int]]:
    left = list(itertools.combinations(range(4), 2))
    right = list(itertools.combinations(range(4, 8), 2))
    return [*left, *right, (3, 4)]


# Hand-computed graphs


def test_path_betweenness_by_hand():
    # a-b-c-d-e: 6 pairs of other nodes for each; c is on (a,d) (a,e) (b,d) (b,e), b on (a,c) (a,d) (a,e)
    m = metrics(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    assert m.betweenness.tolist() == pytest.approx([0, 3 / 6, 4 / 6, 3 / 6, 0], abs=1e-15)
    assert m.betweenness_exact is True
    assert m.betweenness_samples == 0
    assert m.degree.tolist() == [1, 2, 2, 2, 1]
    assert m.components == 1
    assert m.node_ids == ("n0", "n1", "n2", "n3", "n4")
    assert brokers(m) == [(2, pytest.approx(4 / 6)), (1, 0.5), (3, 0.5)]


def test_star_centre_is_on_every_path():
    m = metrics(6, [(0, leaf) for leaf in range(1, 6)])
    assert m.betweenness.tolist() == [1.0, 0, 0, 0, 0, 0]
    assert m.degree.tolist() == [5, 1, 1, 1, 1, 1]
    assert brokers(m) == [(0, 1.0)]
    assert graph_density(6, [0] * 5, list(range(1, 6))) == pytest.approx(5 / 15)


def test_two_cliques_joined_by_a_bridge():
    m = metrics(8, two_cliques())
    # 3 and 4 are on the 3 × 4 paths from {0, 1, 2} to the other side (and 4 symmetrically), of 7·6/2 = 21 pairs
    expected = [0, 0, 0, 12 / 21, 12 / 21, 0, 0, 0]
    assert m.betweenness.tolist() == pytest.approx(expected, abs=1e-15)
    assert brokers(m, top=5) == [(3, pytest.approx(4 / 7)), (4, pytest.approx(4 / 7))]
    # two communities of 4; equal sizes, so the one holding node 0 comes first
    assert m.community.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert m.communities == 2
    # m = 13 ties; each side: 6 inner ties, degrees 3 + 3 + 3 + 4 = 13 → 2 (6/13 − (13/26)²) = 11/26
    assert m.modularity == pytest.approx(11 / 26, abs=1e-12)
    assert m.edges == 13
    assert m.components == 1


def test_duplicates_and_both_directions_make_one_tie():
    once = metrics(3, [(0, 1), (0, 2)])
    repeated = metrics(3, [(0, 1), (1, 0), (0, 1), (2, 0), (0, 2)])
    assert repeated.degree.tolist() == once.degree.tolist() == [2, 1, 1]
    assert repeated.betweenness.tolist() == once.betweenness.tolist() == [1.0, 0, 0]
    assert repeated.edges == 2
    assert graph_density(3, [0, 1, 0, 2, 0], [1, 0, 1, 0, 2]) == pytest.approx(2 / 3)
    u, v = simple_edges(3, [0, 1, 0, 2, 0], [1, 0, 1, 0, 2])
    assert (u.tolist(), v.tolist()) == ([0, 0], [1, 2])


def test_self_loops_are_dropped():
    m = metrics(3, [(0, 0), (1, 2), (2, 2)], support=[0], field=[1, 2])
    assert m.degree.tolist() == [0, 1, 1]
    assert m.edges == 1
    assert m.components == 2  # 0 alone (its loop dropped), and 1-2
    assert m.community.tolist() == [1, 0, 0]  # 0 is a community of its own
    assert graph_density(3, [0, 1, 2], [0, 2, 2]) == pytest.approx(1 / 3)


def test_support_density_by_hand():
    # support 0, 1, 2, 3 (6 possible ties): 0-1, 1-2, 2-0 (and 1→0 again), plus ties to field actors 4, 5
    edges = [(0, 1), (1, 0), (1, 2), (2, 0), (3, 4), (0, 4), (4, 5)]
    m = metrics(6, edges, support=[0, 1, 2, 3])
    assert m.support_ties == 3
    assert m.support_density == 0.5
    assert metrics(3, [(0, 1)], support=[0]).support_density == 0.0  # one support actor: no pair
    assert metrics(3, [(0, 1)], support=[0, 2]).support_density == 0.0  # two, not tied


def test_isolated_and_unsupported_field_actors():
    # support 0, 1; field 2…6 and 8; 7 is neither; 8 is both a support and a field actor
    edges = [(0, 2), (3, 4), (5, 7), (8, 3)]
    m = metrics(9, edges, support=[0, 1, 8], field=[2, 3, 4, 5, 6, 8])
    assert m.isolated_field == (6,)  # 1 has no tie either, but is not a field actor
    # 3 is tied to 8 (a support actor); 8 itself is tied to no other support actor
    assert m.unsupported_field == (4, 5, 6, 8)
    assert m.components == 5  # {0, 2}, {3, 4, 8}, {5, 7}, {1}, {6}
    assert sorted(m.node_ids[i] for i in m.isolated_field) == ["n6"]


def test_components_count_isolated_nodes_like_networkx():
    edges = [(0, 1), (2, 3), (3, 4)]
    m = metrics(7, edges)
    assert m.components == nx.number_connected_components(nx_graph(7, edges)) == 4
    assert sorted(np.bincount(m.community).tolist()) == [1, 1, 2, 3]
    assert m.community.tolist() == [1, 1, 0, 0, 0, 2, 3]


def test_empty_and_tiny_graphs():
    m = metrics(0, [])
    assert (m.degree.size, m.betweenness.size, m.components, m.communities, m.modularity) == (0, 0, 0, 0, 0.0)
    assert brokers(m) == []
    m = metrics(4, [], support=[0])
    assert m.community.tolist() == [0, 1, 2, 3]
    assert (m.components, m.modularity, m.isolated_field) == (4, 0.0, (1, 2, 3))
    m = metrics(2, [(0, 1)])
    assert m.betweenness.tolist() == [0.0, 0.0]
    assert graph_density(0, [], []) == graph_density(1, [], []) == 0.0


# Against networkx


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_betweenness_matches_networkx(seed):
    graph = nx.gnm_random_graph(150, 400, seed=seed)
    m = metrics(150, list(graph.edges()))
    assert m.betweenness_exact
    np.testing.assert_allclose(m.betweenness, nx_betweenness(graph), rtol=0, atol=1e-12)
    assert m.degree.tolist() == [graph.degree(i) for i in range(150)]
    assert m.components == nx.number_connected_components(graph)
    assert m.modularity == pytest.approx(
        nx.community.modularity(graph, [np.flatnonzero(m.community == c) for c in range(m.communities)])
    )


def test_density_matches_networkx():
    graph = nx.gnm_random_graph(60, 200, seed=4)
    sources, targets = zip(*graph.edges(), strict=True)
    assert graph_density(60, sources, targets) == pytest.approx(nx.density(graph))
    support = set(range(0, 60, 3))
    m = metrics(60, list(graph.edges()), support=support)
    assert m.support_density == pytest.approx(nx.density(graph.subgraph(support)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_estimated_betweenness_is_close_to_networkx_exact(seed):
    graph = nx.barabasi_albert_graph(1_000, 2, seed=seed)
    exact = nx_betweenness(graph)
    m = metrics(1_000, list(graph.edges()), exact_limit=500, samples=256, seed=seed)
    assert (m.betweenness_exact, m.betweenness_samples) == (False, 256)
    assert np.abs(m.betweenness - exact).max() < 0.02
    top = np.argsort(-exact)[:20]
    estimated_rank = np.argsort(np.argsort(-m.betweenness[top]))
    spearman = 1 - 6 * np.sum((estimated_rank - np.arange(20)) ** 2) / (20 * (20**2 - 1))
    assert spearman > 0.8
    assert set(top[:5]) <= {i for i, _ in brokers(m, top=10)}


def test_estimate_counts_each_pivot_once():
    # K(2, 998): hubs 0 and 1, each tied to every leaf. Exact: hub 0 is on half the shortest paths
    # between leaves, (m-1)/(2(m+1)). From a leaf pivot, linear scaling gives hub 0 (m-1)/4; the estimate
    # is then (m-1)(m+2)/(2m(m+1)), within 0.2 % of the exact value, whatever the pivot count.
    leaves = 998
    edges = [(hub, leaf) for hub in (0, 1) for leaf in range(2, leaves + 2)]
    exact = (leaves - 1) / (2 * (leaves + 1))
    for samples in (4, 7, 32):
        m = metrics(leaves + 2, edges, exact_limit=10, samples=samples, seed=3)
        assert not m.betweenness_exact
        assert m.betweenness[0] == pytest.approx(exact, rel=0.01)
        assert m.betweenness[0] == m.betweenness[1]


def test_communities_are_as_good_as_networkx_louvain():
    graph = nx.planted_partition_graph(8, 30, 0.4, 0.01, seed=5)
    m = metrics(240, list(graph.edges()), seed=5)
    theirs = nx.community.louvain_communities(graph, seed=5)
    assert m.modularity >= nx.community.modularity(graph, theirs) - 0.01
    assert m.communities == 8
    # labels by decreasing size
    sizes = np.bincount(m.community)
    assert (np.diff(sizes) <= 0).all()


# Determinism, threads, progress


def test_same_seed_and_threads_give_the_same_results():
    ids, sources, targets, support, field = generate_graph(3_000, 20_000, seed=4)
    runs = [
        network_metrics(ids, sources, targets, support=support, field=field, exact_limit=500, seed=9, threads=2)
        for _ in range(3)
    ]
    for other in runs[1:]:
        assert np.array_equal(other.betweenness, runs[0].betweenness)
        assert np.array_equal(other.community, runs[0].community)
        assert other.modularity == runs[0].modularity
    another_seed = network_metrics(
        ids, sources, targets, support=support, field=field, exact_limit=500, seed=10, threads=2
    )
    assert not np.array_equal(another_seed.betweenness, runs[0].betweenness)


def test_exact_results_do_not_depend_on_threads():
    ids, sources, targets, support, field = generate_graph(1_500, 8_000, seed=6)
    one, two, again = (
        network_metrics(ids, sources, targets, support=support, field=field, threads=t) for t in (1, 2, 2)
    )
    assert one.betweenness_exact
    assert np.array_equal(one.betweenness, two.betweenness)
    assert np.array_equal(two.betweenness, again.betweenness)
    assert np.array_equal(one.community, two.community)


def test_thread_count_is_restored():
    before = nk.getCurrentNumberOfThreads()
    metrics(5, [(0, 1), (1, 2)], threads=1)
    assert nk.getCurrentNumberOfThreads() == before


def test_progress_is_reported_after_each_stage():
    calls: list[tuple[str, float]] = []
    metrics(5, [(0, 1), (1, 2)], on_progress=lambda stage, fraction: calls.append((stage, fraction)))
    assert [stage for stage, _ in calls] == ["graph", "betweenness", "communities", "summary"]
    assert calls == list(STAGES)
    assert calls[-1][1] == 1.0


def test_brokers_order_and_limits():
    m = metrics(8, two_cliques())
    assert brokers(m, top=1) == [(3, pytest.approx(4 / 7))]
    assert brokers(m, top=0) == []
    with pytest.raises(ValueError, match="top cannot be negative"):
        brokers(m, top=-1)


# Validation


@pytest.mark.parametrize(
    ("sources", "targets", "message"),
    [
        ([0, 1], [1], "same length"),
        ([0, 5], [1, 2], r"node index 5, outside 0\.\.4"),
        ([0, -1], [1, 2], "node index -1"),
        ([0.0, 1.0], [1, 2], "integer node indices"),
        ([True, False], [1, 2], "integer node indices"),
        ([[0, 1]], [[1, 2]], "one-dimensional"),
    ],
)
def test_bad_relations_are_refused(sources, targets, message):
    support = np.zeros(5, dtype=bool)
    with pytest.raises(ValueError, match=message):
        network_metrics(list("abcde"), np.array(sources), np.array(targets), support=support, field=~support)
    with pytest.raises(ValueError, match=message):
        graph_density(5, np.array(sources), np.array(targets))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"support": np.zeros(4, dtype=bool)}, r"support must have one value per node \(5\)"),
        ({"field": np.ones(6, dtype=bool)}, r"field must have one value per node \(5\)"),
        ({"support": np.zeros(5, dtype=int)}, "support must be a boolean mask"),
        ({"field": [1, 0, 1, 0, 1]}, "field must be a boolean mask"),
        ({"samples": 1}, "samples must be at least 2"),
        ({"exact_limit": -1}, "exact_limit cannot be negative"),
        ({"threads": 0}, "threads must be at least 1"),
    ],
)
def test_bad_options_are_refused(options, message):
    arguments = {"support": np.zeros(5, dtype=bool), "field": np.ones(5, dtype=bool), **options}
    with pytest.raises(ValueError, match=message):
        network_metrics(list("abcde"), np.array([0, 1]), np.array([1, 2]), **arguments)


# The generator


def test_generator_is_seeded_and_ecosystem_shaped():
    ids, sources, targets, support, field = generate_graph(20_000, 200_000, seed=7)
    again = generate_graph(20_000, 200_000, seed=7)
    assert ids == again[0]
    assert np.array_equal(sources, again[1])
    assert np.array_equal(targets, again[2])
    assert not np.array_equal(sources, generate_graph(20_000, 200_000, seed=8)[1])
    assert len(ids) == len(set(ids)) == 20_000
    assert len(sources) == len(targets) == 200_000
    assert sources.dtype == targets.dtype == np.int64
    assert min(sources.min(), targets.min()) >= 0
    assert max(sources.max(), targets.max()) < 20_000
    assert support.sum() == 600
    assert (support ^ field).all()
    m = network_metrics(ids, sources, targets, support=support, field=field, seed=7)
    # heavy-tailed support actors: the busiest ties to far more organisations than the typical one
    support_degrees = m.degree[support]
    assert support_degrees.max() > 20 * np.median(support_degrees)
    # 2 % of field actors have no relation by construction, a few more by chance; territories make communities
    assert 0.02 < len(m.isolated_field) / field.sum() < 0.08
    assert m.modularity > 0.3
    assert 0 < m.support_density < 0.1
    assert m.edges < 200_000  # repeated relations and self loops collapse


def test_generator_small_and_empty():
    ids, sources, _, support, field = generate_graph(2, 3, seed=1)
    assert (len(ids), len(sources), int(support.sum()), int(field.sum())) == (2, 3, 1, 1)
    ids, sources, _, support, _ = generate_graph(0, 0, seed=1)
    assert (ids, len(sources), len(support)) == ((), 0, 0)
    with pytest.raises(ValueError, match="at least two organisations"):
        generate_graph(1, 5, seed=1)
    with pytest.raises(ValueError, match="cannot be negative"):
        generate_graph(-1, 0, seed=1)


# The bench


def test_network_bench_quick_runs():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "networkit" in result.stdout
    assert "networkx" in result.stdout
    assert "under 60 s" in result.stdout
