"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: run `make test` (it installs it) or apt-get install chromium")
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def site(live_server, reference):
    """The live server with the real territories and a small fictional ecosystem."""
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load

    demo_load(DemoSpec(organisations=60, seed=5))
    return live_server.url


@pytest.fixture
def axe():
    """Run axe-core in the page; return the serious and critical violations."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    source = AXE.read_text()

    def check(page):
        # Evaluated through the browser's debugging protocol, which the page's Content Security Policy
        # does not restrict (an inline <script> would be refused, as it should be).
        page.evaluate(source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture(autouse=True)
def _no_content_security_policy_violation(request):
    """Every browser test fails if a page breaks the Content Security Policy (an inline script or style,
    an asset from another site): the browser reports each refusal on the console."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield
    assert refused == [], refused


@pytest.fixture(autouse=True)
def _fail_fast(request):
    """Five seconds is plenty on a local server; a missing element fails quickly."""
    from playwright.sync_api import expect

    expect.set_options(timeout=5000)
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(5000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """The live server's database is emptied after each browser test. Once it is (after every fixture
    of the test is torn down), load the reference data again: the tests that run next on this worker
    expect them, as they found them when the test database was created."""
    yield
    if nextitem is None:
        return  # the last test of this process: its test database is already gone
    from pytest_django.plugin import blocking_manager_key

    from maillage.diagnostics.loaders import framework_load_default
    from maillage.directory.loaders import reference_load

    with item.config.stash[blocking_manager_key].unblock():
        reference_load()
        framework_load_default()
