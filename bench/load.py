"""Load test: 50 people at once on a production-like server, on the generated ecosystem of 100,000 organisations.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15):

1. loads the ecosystem as `bench/run.py` does (`bench/ecosystem.py`: territories, 100,000 organisations,
   150,000 initiatives, 37,500 offers, 500,000 relations), the framework, the offers' conditions, and
   ``--actors`` people, each an administrator of the field actor leading one initiative, with one submitted
   self-diagnostic (written through the services, so that its basket can be computed) and an API token;
   meanwhile, collects the static files (production's hashed, compressed files) in another process;
2. starts gunicorn on ``maillage.config.wsgi:application`` (``--workers`` sync workers, 2 × cores + 1 by
   default) and ``maillage db_worker``, both with ``bench/load_settings.py`` (production's settings without
   TLS) and PostgreSQL sessions without parallel plans (as ``docs/deployment.md`` advises on few cores),
   each in its own process group, and warms every worker up (a basket included);
3. runs locust (`bench/locustfile.py`) twice: alone (one user walking through every request, no pauses,
   ``--solo-time`` seconds: the figures at one user), then ``--users`` people for ``--run-time`` seconds
   (anonymous visitors, searchers, signed-in field actors filling in diagnostics and reading baskets, API
   clients) plus one probe requesting /healthz and the stylesheet (the baseline under the same load);
4. prints, per request: count, failures, median and 95th percentile under load, the median inside Django
   (from the server's request log) and its share of the server's time, the median alone and the ratio
   (median under load / median alone); then all requests together, against the targets (no error, p95
   under 300 ms); and stops every process it started, even when something fails.

The figures are printed, not enforced: the exit status is 0 unless something crashed.

    python bench/load.py [--organisations 100000] [--users 50] [--run-time 60] [--solo-time 15]
                         [--workers 5] [--worker-class sync] [--without-baskets] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
SETTINGS = "load_settings"  # bench/load_settings.py: production's settings without TLS
PASSWORD = "Bench-load-mot-de-passe-2026"
TARGET_MS = 300.0
UNFINISHED = "no answer before the end of the run"  # as the locustfile records a request stopped while waiting
SERVER_PGOPTIONS = "-c max_parallel_workers_per_gather=0"
WORKER_TIMEOUT = 30  # gunicorn's default, kept: a worker silent for that long is killed and replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--actors", type=int, default=100, help="people of field actors with a diagnostic")
    parser.add_argument("--users", type=int, default=50, help="people at once (the probe comes on top)")
    parser.add_argument("--run-time", type=int, default=60, help="seconds under load")
    parser.add_argument("--solo-time", type=int, default=15, help="seconds alone (figures at one user)")
    parser.add_argument(
        "--without-baskets", action="store_true", help="field actors do not ask for baskets (to measure the rest)"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync or gthread)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--keep", action="store_true", help="keep the plan, records and logs (printed path)")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    asked_to_keep = args.keep
    work = Path(tempfile.mkdtemp(prefix="maillage-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "MAILLAGE_DATA_DIR": str(work / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(BENCH), os.environ.get("PYTHONPATH", "")) if p),
    }
    os.environ.update(env)
    # A SIGTERM (make interrupted, a CI timeout) ends the run like Ctrl-C: the finally below stops everything.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    processes: list[subprocess.Popen[bytes]] = []
    failed = True
    try:
        plan, setup = prepare(args, work, processes)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # The server's sessions as docs/deployment.md advises for a machine of few cores: no parallel plans
        # (each would take two more cores for the same answer, from the other requests).
        server_env = {**env, "PGOPTIONS": f"{env.get('PGOPTIONS', '')} {SERVER_PGOPTIONS}".strip()}
        processes.append(
            spawn(
                [
                    str(BIN / "gunicorn"),
                    "maillage.config.wsgi:application",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={args.workers}",
                    f"--worker-class={args.worker_class}",
                    f"--threads={args.threads}",
                    "--graceful-timeout=5",
                    "--no-control-socket",  # no socket in $HOME shared with other servers
                ],
                work / "gunicorn.log",
                server_env,
            )
        )
        processes.append(
            spawn(
                [str(BIN / "maillage"), "db_worker", "--no-reload", "--interval", "1", "-v", "0"],
                work / "worker.log",
                server_env,
            )
        )
        wait_until_up(base, processes, work)
        started = time.perf_counter()
        warm_up(base, plan, args.workers)
        before_solo = (work / "gunicorn.log").stat().st_size
        solo = run_locust(work, env, base, "solo", ["SoloWalker"], users=1, seconds=args.solo_time)
        if solo["unfinished"]:
            wait_for_unanswered(work / "gunicorn.log", before_solo, solo)
        offset = (work / "gunicorn.log").stat().st_size
        loaded = run_locust(
            work,
            env,
            base,
            "load",
            ["Visitor", "Searcher", "FieldActor", "ApiReader", "Probe"],
            users=args.users + 1,
            seconds=args.run_time,
        )
        inside = durations_in_django(work / "gunicorn.log", offset)
        report(args, setup, solo, loaded, inside, work)
        for name, process in (("gunicorn", processes[0]), ("worker", processes[1])):
            if process.poll() is not None:
                print(f"The {name} stopped during the run (status {process.returncode}): see {work}/{name}.log")
                args.keep = True
        timeouts, tracebacks = server_errors(work / "gunicorn.log")
        if timeouts or tracebacks:
            print(
                f"Server log: {timeouts} worker timeouts (a request over {WORKER_TIMEOUT} s: its worker killed and "
                f"replaced), {tracebacks} tracebacks in all; kept in {work / 'gunicorn.log'}"
            )
            args.keep = True
        failed = False
    finally:
        stopping = time.perf_counter()
        for process in reversed(processes):
            stop(process)
        if asked_to_keep:
            print(f"Plan, records, logs and static files kept in {work}", file=sys.stderr)
        elif args.keep or failed:  # something went wrong: the logs stay, the 35 MB of static files go
            shutil.rmtree(work / "data", ignore_errors=True)
            print(f"Plan, records and logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"Wall time: {time.perf_counter() - began:.0f} s in all ({setup['seconds']:.0f} s preparing, "
        f"{stopping - started:.0f} s serving, {time.perf_counter() - stopping:.0f} s stopping)"
    )
    return 0


# --- the data ------------------------------------------------------------------------------------


def prepare(
    args: argparse.Namespace, work: Path, processes: list[subprocess.Popen[bytes]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load the ecosystem and the people, collect the static files, write the plan the users read."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.db import connection
    from ecosystem import analyse, load_ecosystem
    from run import WORDS

    from maillage.diagnostics import loaders as diagnostic_loaders
    from maillage.directory.models import (
        Initiative,
        Organisation,
        Population,
        Sector,
        SupportOffer,
        SupportType,
        Territory,
    )
    from maillage.matching.loaders import demo_conditions_load
    from maillage.matching.models import EligibilityRule

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}, settings {settings.SETTINGS_MODULE}")
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(label: str, since: float) -> float:
        now = time.perf_counter()
        steps[label] = now - since
        return now

    mark = started
    collected = not getattr(settings, "WHITENOISE_USE_FINDERS", False)
    collecting = None
    if collected:
        # Hashing and compressing (gzip and Brotli) every static file takes about 35 s of CPU, mostly the API
        # docs' bundles: in a process of its own, while the ecosystem is generated.
        collecting = spawn(
            [str(BIN / "maillage"), "collectstatic", "--noinput", "-v0"], work / "collectstatic.log", dict(os.environ)
        )
        processes.append(collecting)  # stopped with the others if anything fails
    call_command("migrate", verbosity=0)
    mark = step("migrate", mark)
    load_ecosystem(args.organisations, args.seed)
    mark = step("ecosystem", mark)
    diagnostic_loaders.framework_load_default()
    if not EligibilityRule.objects.filter(is_demo=True).exists():  # written once per database (a second run skips)
        demo_conditions_load(seed=args.seed)
    mark = step("conditions", mark)
    actors = make_actors(args.actors, args.seed)
    mark = step("people", mark)
    analyse()
    mark = step("analyse", mark)
    if collecting is not None:
        if collecting.wait() != 0:
            raise SystemExit(f"collectstatic failed: see {work}/collectstatic.log")
        processes.remove(collecting)
    mark = step("static", mark)
    rng = random.Random(args.seed)

    def sample(queryset: Any, field: str, count: int = 1000) -> list[str]:
        values = list(queryset.values_list(field, flat=True))
        return rng.sample(values, min(count, len(values)))

    plan = {
        "baskets": not args.without_baskets,
        "password": PASSWORD,
        "actors": actors,
        "organisations": sample(Organisation.objects.filter(is_demo=True), "slug"),
        "initiatives": sample(Initiative.objects.filter(is_demo=True), "slug"),
        "offers": sample(SupportOffer.objects.filter(is_demo=True), "slug"),
        "territories": sample(Territory.objects.filter(kind__in=["quartier", "borough"]), "slug"),
        "sectors": sample(Sector.objects.all(), "code"),
        "populations": sample(Population.objects.all(), "code"),
        "support_types": sample(SupportType.objects.all(), "code"),
        "words": WORDS,
        "static": staticfiles_storage.url("maillage/css/maillage.css"),
    }
    (work / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    counts = {
        "organisations": Organisation.objects.count(),
        "initiatives": Initiative.objects.count(),
        "offers": SupportOffer.objects.count(),
    }
    connection.close()  # the server's processes open their own
    seconds = time.perf_counter() - started
    print(
        f"Ecosystem: {counts['organisations']:,} organisations, {counts['initiatives']:,} initiatives, "
        f"{counts['offers']:,} offers; {len(actors)} people of field actors, each with a submitted diagnostic "
        f"and a token; static files {'collected' if collected else 'from the finders'}"
    )
    print(
        f"Prepared in {seconds:.0f} s: migrations {steps['migrate']:.0f} s, ecosystem generated and loaded "
        f"{steps['ecosystem']:.0f} s, framework and offers' conditions {steps['conditions']:.0f} s, people and "
        f"diagnostics {steps['people']:.0f} s, VACUUM ANALYZE {steps['analyse']:.0f} s, then waiting for "
        f"collectstatic (run meanwhile) {steps['static']:.0f} s"
    )
    return plan, {"seconds": seconds, **counts}


def make_actors(count: int, seed: int) -> list[dict[str, str]]:
    """People of field actors: each a member of the organisation leading one demo initiative, with a submitted
    diagnostic for it (through the services, as the pages do) and an API token. The password is hashed once
    with the production hasher and shared, so that making them costs nothing while logging in costs what it
    costs in production."""
    from django.contrib.auth.hashers import make_password

    from maillage.accounts.models import Membership, User
    from maillage.accounts.services import token_create
    from maillage.core import demo as demo_core
    from maillage.diagnostics import selectors, services
    from maillage.diagnostics.models import Diagnostic
    from maillage.directory.models import Initiative, InitiativeCarrier, SupportType

    rng = random.Random(seed)
    User.objects.filter(email__endswith="@load.bench.example").delete()
    leads = list(
        InitiativeCarrier.objects.filter(
            is_lead=True, organisation__is_field_actor=True, initiative__is_demo=True
        ).values_list("initiative_id", "organisation_id")
    )
    chosen = rng.sample(sorted(leads), count)
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(email=f"actor{n}@load.bench.example", full_name=f"Personne fictive {n}", password=hashed)
            for n in range(count)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organisation_id=org, role="admin") for u, (_i, org) in zip(users, chosen, strict=True)]
    )
    initiatives = Initiative.objects.in_bulk([i for i, _org in chosen])
    framework = selectors.framework_of(selectors.current_framework())
    support_types = list(SupportType.objects.all())
    actors = []
    for user, (initiative_id, _org) in zip(users, chosen, strict=True):
        initiative = initiatives[initiative_id]
        diagnostic, _created = services.diagnostic_start(user=user, initiative=initiative)
        answers, importance = demo_core.diagnostic_answers(framework, need=rng.random(), rng=rng)
        services.diagnostic_save(
            user=user,
            diagnostic=diagnostic,
            answers=answers,
            importance=importance,
            aspirations=services.AspirationsInput(
                wanted_support_types=rng.sample(support_types, 2),
                max_reporting_hours=rng.choice((10, 20, 30, 40, 60)),
                horizon=rng.choice(Diagnostic.Horizon.values),
            ),
        )
        services.diagnostic_submit(user=user, diagnostic=diagnostic)
        _token, raw = token_create(user=user, name="load test")
        actors.append({"email": user.email, "initiative": initiative.slug, "token": raw})
    return actors


# --- the processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A process in its own group (so that stopping it stops its children), its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """TERM the process's group, wait up to 10 s, then KILL whatever is left of the group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_until_up(base: str, processes: list[subprocess.Popen[bytes]], work: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"A server process stopped at start-up: see the logs in {work}")
        try:
            with urllib.request.urlopen(f"{base}/healthz?check=database", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer /healthz in {seconds:.0f} s: see {work}/gunicorn.log")


def run_locust(
    work: Path, env: dict[str, str], base: str, phase: str, classes: list[str], *, users: int, seconds: int
) -> dict[str, Any]:
    """Run locust headless in its own process group; return the requests it recorded and their rate."""
    record = work / f"{phase}.tsv"
    record.unlink(missing_ok=True)
    command = [
        str(BIN / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--only-summary",
        f"--users={users}",
        f"--spawn-rate={min(users, 10)}",
        f"--run-time={seconds}s",
        "--stop-timeout=5",
        f"--host={base}",
        *classes,
    ]
    files = {"LOAD_PLAN": str(work / "plan.json"), "LOAD_RECORD": str(record)}
    process = spawn(command, work / f"locust-{phase}.log", {**env, **files})
    try:
        process.wait(seconds + 60)
    except subprocess.TimeoutExpired:
        print(f"locust ({phase}) did not stop in time: stopped", file=sys.stderr)
    finally:
        stop(process)
    requests: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    unfinished: list[float] = []  # how long the requests stopped at the end had waited (ms)
    order: list[str] = []
    if not record.exists():
        raise SystemExit(f"locust ({phase}) recorded nothing: see {work}/locust-{phase}.log")
    for line in record.read_text(encoding="utf-8").splitlines():
        name, ms, error = line.split("\t")
        if error.startswith(UNFINISHED) and float(ms) < TARGET_MS:
            continue  # sent just before the end: it had not missed anything yet
        if name not in requests:
            order.append(name)
        requests[name].append(float(ms))
        if error:
            errors[name].append(error)
        if error.startswith(UNFINISHED):
            unfinished.append(float(ms))
    return {"requests": requests, "errors": errors, "order": order, "seconds": seconds, "unfinished": unfinished}


def warm_up(base: str, plan: dict[str, Any], workers: int) -> None:
    """Every worker's first requests import the URLs, the API and the templates (seconds each on 2 cores): make
    them before measuring, several at once so that each worker gets some."""
    word, territory, support_type = plan["words"][0], plan["territories"][0], plan["support_types"][0]
    paths = [
        "/",
        f"/organisations/?territory={territory}",
        f"/organisations/{plan['organisations'][0]}/",
        f"/initiatives/{plan['initiatives'][0]}/",
        f"/offers/?support_type={support_type}",
        f"/offers/{plan['offers'][0]}/",
        "/territories/",
        f"/territories/{territory}/",
        f"/api/territories/{territory}",
        f"/search/?q={urllib.parse.quote(word)}",
        f"/api/organisations?q={urllib.parse.quote(word)}",
        "/accounts/login/",
        "/healthz",
    ]

    def get(path: str) -> None:
        path, _, token = path.partition("\n")
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"} if token else {})
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, paths * workers))
        if plan["baskets"]:
            # A process reads every offer's facts at its first basket (about 1.5 s at 37,500 offers) and keeps
            # them until an offer changes, as a server running for a while would have: one basket per worker,
            # all at once (a sync worker busy with one takes no other), twice to be sure.
            actor = plan["actors"][0]
            basket = f"/api/initiatives/{actor['initiative']}/basket\n{actor['token']}"
            for _round in range(2):
                list(pool.map(get, [basket] * workers))


def wait_for_unanswered(log: Path, offset: int, solo: dict[str, Any]) -> None:
    """A request left unanswered at the end of the solo run (a basket) still occupies its worker until it ends
    or gunicorn's timeout kills it: wait for either in the server's log, so that the load starts on an idle
    server (at most the timeout)."""
    began = time.monotonic()
    deadline = began + WORKER_TIMEOUT + 2 - min(solo["unfinished"]) / 1000
    expected = {tag(name): len(times) for name, times in solo["requests"].items()}
    pending = {tag(name) for name, found in solo["errors"].items() if any(e.startswith(UNFINISHED) for e in found)}
    while time.monotonic() < deadline:
        text = log.read_bytes()[offset:].decode("utf-8", errors="replace")
        done = {t for t in pending if text.count(f'"request_id": "{t}.') >= expected[t]}
        if done == pending or "WORKER TIMEOUT" in text:
            break
        time.sleep(0.5)
    print(f"Waited {time.monotonic() - began:.0f} s for the request left unanswered alone to end")


def durations_in_django(log: Path, offset: int) -> dict[str, list[float]]:
    """The server's own durations (RequestLogMiddleware's JSON lines, from ``offset``) by request tag."""
    found: dict[str, list[float]] = defaultdict(list)
    with log.open("rb") as lines:
        lines.seek(offset)
        for raw in lines:
            if not raw.startswith(b"{"):
                continue
            try:
                entry = json.loads(raw)
                found[str(entry["request_id"]).rsplit(".", 1)[0]].append(float(entry["duration_ms"]))
            except (ValueError, KeyError, TypeError):
                continue
    return found


def tag(name: str) -> str:
    """As the locustfile tags a request's id."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:48]


def server_errors(log: Path) -> tuple[int, int]:
    """Worker timeouts and tracebacks in the server's log."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return sum(1 for line in lines if "WORKER TIMEOUT" in line), sum(1 for line in lines if "Traceback" in line)


# --- the figures ---------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def report(
    args: argparse.Namespace,
    setup: dict[str, Any],
    solo: dict[str, Any],
    loaded: dict[str, Any],
    inside: dict[str, list[float]],
    work: Path,
) -> None:
    requests, errors = loaded["requests"], loaded["errors"]
    names = [n for n in solo["order"] if n in requests] + sorted(n for n in requests if n not in solo["order"])
    baseline = [n for n in names if n.startswith("baseline:")]
    mix = [n for n in names if n not in baseline]
    every = [ms for n in mix for ms in requests[n]]
    failures = sum(len(errors[n]) for n in mix)
    print()
    print(
        f"Load test: {args.users} people at once for {args.run_time} s (+1 probe), gunicorn {args.workers} "
        f"{args.worker_class} workers{f' × {args.threads} threads' if args.threads > 1 else ''} and the task "
        f"worker, {os.cpu_count()} cores, PostgreSQL (sessions: {SERVER_PGOPTIONS}), {setup['organisations']:,} "
        "organisations"
    )
    print(
        f"{len(every):,} requests in {loaded['seconds']} s ({len(every) / loaded['seconds']:.1f}/s); times in ms: "
        "median and p95 as locust saw them, median inside Django (its request log) and the share of all the time "
        f"spent in Django (busy), median alone (one user, no pauses, {solo['seconds']} s before the load) and "
        "median under load ÷ median alone"
    )
    header = (
        f"{'request':<44} {'count':>6} {'fail':>5} {'median':>8} {'p95':>8} {'django':>8} {'busy':>5} "
        f"{'alone':>8} {'÷alone':>7}"
    )
    busy = sum(sum(v) for v in inside.values()) or 1.0
    print(header)

    def row(
        label: str, values: list[float], fails: int, server: list[float], alone: list[float], waiting: bool = False
    ) -> None:
        alone_median = statistics.median(alone) if alone else None
        ratio = f"{statistics.median(values) / alone_median:>7.2f}" if alone_median else f"{'—':>7}"
        # ">": alone, the request was still waiting when the solo run ended; the figure is a lower bound
        shown = f"{'>' if waiting else ''}{alone_median:.1f}" if alone_median else "—"
        print(
            f"{label:<44} {len(values):>6} {fails:>5} {statistics.median(values):>8.1f} {p95(values):>8.1f} "
            f"{(f'{statistics.median(server):.1f}' if server else '—'):>8} {sum(server) * 100 / busy:>4.0f}% "
            f"{shown:>8} {ratio}"
        )

    def waited_alone(name: str) -> bool:
        return any(e.startswith(UNFINISHED) for e in solo["errors"].get(name, []))

    for name in mix:
        alone = solo["requests"].get(name, [])
        row(name, requests[name], len(errors[name]), inside.get(tag(name), []), alone, waited_alone(name))
    every_alone = [ms for n in mix for ms in solo["requests"].get(n, [])]
    every_inside = [ms for n in mix for ms in inside.get(tag(n), [])]
    print("-" * len(header))
    row("all requests", every, failures, every_inside, every_alone)
    for name in baseline:
        row(name, requests[name], len(errors[name]), inside.get(tag(name), []), solo["requests"].get(name, []))
    workers = args.workers * args.threads
    print(
        f"Inside Django: {busy / 1000:.0f} s of request time in {loaded['seconds']} s for {workers} "
        f"{'threads' if args.threads > 1 else 'workers'} ({busy / 10 / loaded['seconds'] / workers:.0f} % busy; "
        "requests killed by the worker timeout are not in the server's log)"
    )
    slow = [n for n in mix if p95(requests[n]) >= TARGET_MS]
    met = failures == 0 and p95(every) < TARGET_MS
    print(
        f"Targets: no error, p95 under {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'} "
        f"({failures} failed of {len(every):,}; p95 of all requests {p95(every):.0f} ms)"
    )
    if slow:
        print(f"p95 over {TARGET_MS:.0f} ms: " + "; ".join(f"{n} ({p95(requests[n]):.0f} ms)" for n in slow))
    for name in mix + baseline:
        if errors[name]:
            common = max(set(errors[name]), key=errors[name].count)
            print(f"Failures of {name}: {len(errors[name])}, e.g. {common}")
    for name, found in solo["errors"].items():
        if found:
            print(f"Failures alone of {name}: {len(found)}, e.g. {max(set(found), key=found.count)}")


if __name__ == "__main__":
    sys.exit(main())
