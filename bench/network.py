"""Network metrics benchmark: networkit (Maillage's choice) against networkx, the same pipeline in each.

The project's generator (``maillage.core.network.generate_graph``, seed 2026) makes an ecosystem-shaped
graph: 100,000 organisations (3 % support actors with heavy-tailed activity, field actors in territories,
some isolated) and 1,000,000 directed relations. The pipeline reads it as an undirected simple graph and
computes degrees, betweenness (estimated from 256 seeded pivots beyond 5,000 nodes, exact below), Louvain
communities and their modularity, connected components, the density of ties among support actors, and
the isolated and unsupported field actors.

Each run happens in its own process, which generates the graph (not timed), then times the pipeline
alone; the peak resident memory is the child's (``ru_maxrss``, graph generation included):

- ``network_metrics`` (networkit, 2 threads) on the full graph, median of 3 runs, against the target of
  60 s on 2 cores;
- networkx and networkit on 10,000 organisations and 100,000 relations, median of 3 runs each, with
  the same number of pivots (networkx: ``betweenness_centrality(G, k=256, seed=…)``,
  ``louvain_communities(G, seed=…)``), and whether they agree;
- networkx on the full graph, one run, stopped if it has not finished in 300 s.

    python bench/network.py [--quick] [--cap 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

from maillage.core.network import STAGES, brokers, generate_graph, network_metrics

SEED = 2026
SAMPLES = 256
EXACT_LIMIT = 5_000
THREADS = 2
STAGE_NAMES = [name for name, _ in STAGES]


def run_child(command: list[str], timeout: float | None = None) -> tuple[float, float, dict[str, Any] | None]:
    """Wall seconds, peak resident memory (MB) and JSON output of a child process (None if stopped)."""
    began = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    deadline = None if timeout is None else began + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            child.kill()
            _, status, usage = os.wait4(child.pid, 0)
            assert child.stdout is not None
            child.stdout.close()
            return time.monotonic() - began, usage.ru_maxrss / 1024, None
        time.sleep(0.2)
    wall = time.monotonic() - began
    assert child.stdout is not None
    output = child.stdout.read()
    child.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with {code}")
    return wall, usage.ru_maxrss / 1024, json.loads(output)


def networkit_pipeline(graph: tuple[Any, ...], exact_limit: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Maillage's pipeline: stage times and a summary to compare."""
    ids, sources, targets, support, field = graph
    marks = [time.perf_counter()]
    metrics = network_metrics(
        ids,
        sources,
        targets,
        support=support,
        field=field,
        exact_limit=exact_limit,
        samples=SAMPLES,
        seed=SEED,
        threads=THREADS,
        on_progress=lambda stage, fraction: marks.append(time.perf_counter()),
    )
    stages = {name: marks[i + 1] - marks[i] for i, name in enumerate(STAGE_NAMES)}
    stages["total"] = metrics.seconds
    summary = {
        "ties": metrics.edges,
        "components": metrics.components,
        "communities": metrics.communities,
        "modularity": metrics.modularity,
        "support_ties": metrics.support_ties,
        "support_density": metrics.support_density,
        "isolated_field": len(metrics.isolated_field),
        "unsupported_field": len(metrics.unsupported_field),
        "brokers": [i for i, _ in brokers(metrics, 10)],
        "exact": metrics.betweenness_exact,
    }
    return stages, summary


def networkx_pipeline(graph: tuple[Any, ...], exact_limit: int) -> tuple[dict[str, float], dict[str, Any]]:
    """The same pipeline written with networkx, as a first version would."""
    import networkx as nx

    _, sources, targets, support, field = graph
    n = len(support)
    stages: dict[str, float] = {}
    began = mark = time.perf_counter()

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(sources.tolist(), targets.tolist(), strict=True))
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    degree = dict(g.degree())
    stages["graph"], mark = time.perf_counter() - mark, time.perf_counter()

    exact = n <= max(exact_limit, SAMPLES)
    betweenness = nx.betweenness_centrality(g, k=None if exact else SAMPLES, normalized=True, seed=SEED)
    stages["betweenness"], mark = time.perf_counter() - mark, time.perf_counter()

    communities = nx.community.louvain_communities(g, seed=SEED)
    modularity = nx.community.modularity(g, communities)
    components = nx.number_connected_components(g)
    stages["communities"], mark = time.perf_counter() - mark, time.perf_counter()

    support_nodes = [int(i) for i in np.flatnonzero(support)]
    support_ties = g.subgraph(support_nodes).number_of_edges()
    s = len(support_nodes)
    is_support = set(support_nodes)
    isolated = [i for i in nx.isolates(g) if field[i]]
    unsupported = [i for i in np.flatnonzero(field) if not any(j in is_support for j in g.neighbors(int(i)))]
    top = sorted((i for i, b in betweenness.items() if b > 0), key=lambda i: (-betweenness[i], i))[:10]
    stages["summary"] = time.perf_counter() - mark
    stages["total"] = time.perf_counter() - began
    summary = {
        "ties": g.number_of_edges(),
        "components": components,
        "communities": len(communities),
        "modularity": modularity,
        "support_ties": support_ties,
        "support_density": support_ties / (s * (s - 1) / 2) if s >= 2 else 0.0,
        "isolated_field": len(isolated),
        "unsupported_field": len(unsupported),
        "brokers": top,
        "exact": exact,
        "max_degree": max(degree.values(), default=0),
    }
    return stages, summary


def child(library: str, nodes: int, edges: int, repeats: int, exact_limit: int) -> None:
    graph = generate_graph(nodes, edges, SEED)
    pipeline = networkit_pipeline if library == "networkit" else networkx_pipeline
    runs = []
    summary: dict[str, Any] = {}
    for _ in range(repeats):
        stages, summary = pipeline(graph, exact_limit)
        runs.append(stages)
    shape = {
        "relations": len(graph[1]),
        "support": int(graph[3].sum()),
        "field": int(graph[4].sum()),
    }
    print(json.dumps({"runs": runs, "summary": summary, "shape": shape}))


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small graphs, one run each (a smoke test)")
    parser.add_argument("--cap", type=float, default=300.0, help="seconds networkx gets on the full graph")
    parser.add_argument("--child", nargs=5, metavar=("LIBRARY", "NODES", "EDGES", "REPEATS", "EXACT_LIMIT"))
    args = parser.parse_args(argv)
    if args.child:
        library, *numbers = args.child
        child(library, *(int(x) for x in numbers))
        return 0

    if args.quick:
        full, compare, repeats, exact_limit, cap = (3_000, 20_000), (1_000, 6_000), 1, 500, min(args.cap, 30.0)
    else:
        full, compare, repeats, exact_limit, cap = (100_000, 1_000_000), (10_000, 100_000), 3, EXACT_LIMIT, args.cap
    me = os.path.abspath(__file__)

    def command(library: str, size: tuple[int, int], runs: int) -> list[str]:
        return [sys.executable, me, "--child", library, str(size[0]), str(size[1]), str(runs), str(exact_limit)]

    print(
        f"Network metrics benchmark on {os.cpu_count()} cores; each library in its own process, "
        f"graphs from maillage.core.network.generate_graph (seed {SEED}); times in s."
    )

    _, peak, data = run_child(command("networkit", full, repeats))
    assert data is not None
    ours = medians(data["runs"])
    shape, summary = data["shape"], data["summary"]
    print(
        f"\nFull graph: {full[0]:,} organisations ({shape['support']:,} support actors, {shape['field']:,} field "
        f"actors), {shape['relations']:,} relations → {summary['ties']:,} ties in the undirected simple graph"
    )
    print(
        f"{summary['components']:,} components, {summary['communities']:,} communities (modularity "
        f"{summary['modularity']:.3f}), {summary['isolated_field']:,} isolated and {summary['unsupported_field']:,} "
        f"unsupported field actors, support density {summary['support_density']:.4f} "
        f"({summary['support_ties']:,} ties among support actors)"
    )
    betweenness = "exact" if summary["exact"] else f"{SAMPLES} pivots"
    runs = ", ".join(f"{run['total']:.1f}" for run in data["runs"])
    print(
        f"networkit ({THREADS} threads), median of {repeats}: {ours['total']:.1f} s (runs {runs}); peak {peak:,.0f} MB"
    )
    print(
        "  stages: " + ", ".join(f"{name} {ours[name]:.2f}" for name in STAGE_NAMES) + f" (betweenness: {betweenness})"
    )
    met = "met" if ours["total"] < 60 else "NOT met"
    print(f"Target: network metrics under 60 s on 2 cores at this size: {met} ({ours['total']:.1f} s)")

    print(
        f"\nComparison on {compare[0]:,} organisations and {compare[1]:,} relations, the same pipeline, "
        f"median of {repeats}"
    )
    rows = {}
    for library in ("networkx", "networkit"):
        _, peak, data = run_child(command(library, compare, repeats))
        assert data is not None
        rows[library] = (medians(data["runs"]), peak, data["summary"])
    header = "".join(f"{name:>13}" for name in [*STAGE_NAMES, "total"])
    print(f"{'library':<24}{header}{'peak MB':>10}")
    for library, (times, peak, _) in rows.items():
        label = library + (f" ({THREADS} threads)" if library == "networkit" else "")
        cells = "".join(f"{times[name]:13.2f}" for name in [*STAGE_NAMES, "total"])
        print(f"{label:<24}{cells}{peak:10,.0f}")
    theirs, ours_small = rows["networkx"][0], rows["networkit"][0]
    print(
        f"networkx / networkit: {theirs['total'] / ours_small['total']:.0f}x in all, "
        f"{theirs['betweenness'] / ours_small['betweenness']:.0f}x on betweenness, "
        f"{theirs['communities'] / ours_small['communities']:.0f}x on communities"
    )
    x, k = rows["networkx"][2], rows["networkit"][2]
    same = [
        key for key in ("ties", "components", "support_ties", "isolated_field", "unsupported_field") if x[key] == k[key]
    ]
    different = [
        key for key in ("ties", "components", "support_ties", "isolated_field", "unsupported_field") if key not in same
    ]
    shared = len(set(x["brokers"]) & set(k["brokers"]))
    print(
        f"Agreement: same {', '.join(same)}"
        + (f"; DIFFERENT {', '.join(different)}" if different else "")
        + f"; modularity networkx {x['modularity']:.3f}, networkit {k['modularity']:.3f} "
        f"({x['communities']} and {k['communities']} communities); top 10 brokers in common: {shared}"
    )

    print(f"\nnetworkx on the full graph, one run, stopped after {cap:g} s:")
    _, peak, data = run_child(command("networkx", full, 1), timeout=cap)
    if data is None:
        print(f"  did not finish in {cap:g} s (peak {peak:,.0f} MB when stopped)")
    else:
        times = data["runs"][0]
        print(
            f"  {times['total']:.1f} s (" + ", ".join(f"{name} {times[name]:.1f}" for name in STAGE_NAMES) + ")"
            f"; peak {peak:,.0f} MB; networkx / networkit: {times['total'] / ours['total']:.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
