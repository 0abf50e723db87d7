"""The users of the load test, for locust (started by `bench/load.py`, which writes the plan they read).

Four kinds of people, each waiting 1 to 3 s between actions (API clients 0.5 to 1.5 s):

- ``Visitor`` (weight 5), anonymous: the home page and its map, the organisations list with filters
  (role, territory, sector, population), an organisation's page, an initiative's, the offers list with
  filters, an offer's page, the territories' list and map, a territory's page, a territory's boundary
  from the API (the map data);
- ``Searcher`` (weight 3), anonymous: the search page, the organisations list updating as one types
  (htmx, a prefix then the whole word), ``/api/organisations?q=``;
- ``FieldActor`` (weight 3): logs in through the login form (CSRF token from the form, the password
  checked by production's hasher), then works on the initiative of their organisation: fills in a
  self-diagnostic as a browser does (start it from the initiative's page, open each step, autosave a few
  answers at a time as htmx does on each change, "save and continue", review, submit, read the results),
  and looks at the basket of support, on the page and in the API (with their personal token);
- ``ApiReader`` (weight 1): the API's organisations with filters, an initiative, offers by support type.

With ``--without-baskets`` (the plan's ``baskets`` false), field actors do everything but ask for baskets.

``Probe`` (one user, every 0.5 s) requests ``/healthz`` and the stylesheet: the baseline, under the same
load. ``SoloWalker`` runs every request of the others in turn, alone and without waiting: the figures of
each request at one user.

Every request is appended to the file LOAD_RECORD (name, milliseconds, error) for `bench/load.py`.
This file must not import Django (locust patches the standard library with gevent).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from gevent import GreenletExit
from locust import HttpUser, between, constant, events, task
from locust.clients import HttpSession

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
RECORD = open(os.environ["LOAD_RECORD"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (open for the run)
ACTORS = itertools.count(1)  # the plan's first actor is the solo walker's
HTMX = {"HX-Request": "true"}
SEQUENCE = itertools.count()


def tag(name: str) -> str:
    """The request id sent for a request named ``name`` (the server logs it with its own duration)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:48]


class TaggedSession(HttpSession):
    """Sends ``X-Request-ID: <tag of the name>.<n>``, so that `bench/load.py` finds each request's time in the
    server's log (RequestLogMiddleware) and tells the time spent in Django from the time spent waiting."""

    def request(self, method: str, url: str, name: str | None = None, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "X-Request-ID": f"{tag(name or url)}.{next(SEQUENCE)}"}
        started = time.perf_counter()
        try:
            return super().request(method, url, name=name, **kwargs)
        except GreenletExit:
            # Stopped at the end of the run while waiting: locust records nothing, but the wait counts.
            waited = (time.perf_counter() - started) * 1000
            RECORD.write(f"{name or url}\t{waited:.3f}\tno answer before the end of the run ({waited / 1000:.1f} s)\n")
            raise


@events.request.add_listener
def record(name: str, response_time: float, exception: Any = None, **_kwargs: Any) -> None:
    error = "" if exception is None else " ".join(str(exception).split())[:200]
    RECORD.write(f"{name}\t{response_time:.3f}\t{error}\n")


@events.quit.add_listener
def close(**_kwargs: Any) -> None:
    RECORD.close()


# --- reading forms as a browser submits them -----------------------------------------------------


class Form:
    def __init__(self, attrs: dict[str, str]) -> None:
        self.action = attrs.get("action") or ""
        self.classes = (attrs.get("class") or "").split()
        self.values: dict[str, list[str]] = {}  # what the browser would send now
        self.choices: dict[str, list[str]] = {}  # radio buttons: name → the values offered

    def set(self, name: str, value: str) -> None:
        self.values[name] = [value]

    def data(self, **extra: str) -> list[tuple[str, str]]:
        return [(k, v) for k, values in self.values.items() for v in values] + list(extra.items())


class FormReader(HTMLParser):
    """Every form of a page, with the values its fields hold (checked boxes, selected options, inputs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
        if self.form is None or (not a.get("name") and tag != "option"):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "radio":
                self.form.choices.setdefault(name, []).append(a.get("value", "on"))
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.form.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.form.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.form.values.setdefault(self.select, []).append(a.get("value", ""))
        elif tag == "textarea":
            self.textarea = name
            self.form.values.setdefault(name, [])

    def handle_data(self, data: str) -> None:
        if self.form is not None and self.textarea:
            self.form.values[self.textarea] = [data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else ""


# --- anonymous visitors --------------------------------------------------------------------------


def some(rng: random.Random, key: str) -> str:
    return rng.choice(PLAN[key])


def home(client: HttpSession, rng: random.Random) -> None:
    client.get("/", name="home (counts and map)")


def organisation_list(client: HttpSession, rng: random.Random) -> None:
    params = {"role": rng.choice(["field", "support", ""])}
    if rng.random() < 0.5:
        params["territory"] = some(rng, "territories")
    if rng.random() < 0.3:
        params["sector"] = some(rng, "sectors")
    if rng.random() < 0.2:
        params["population"] = some(rng, "populations")
    if rng.random() < 0.15:
        params["page"] = str(rng.randint(2, 5))
    client.get("/organisations/?" + urlencode(params), name="organisations: list with filters")


def organisation_page(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/organisations/{some(rng, 'organisations')}/", name="organisation page")


def initiative_page(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/initiatives/{some(rng, 'initiatives')}/", name="initiative page")


def offer_list(client: HttpSession, rng: random.Random) -> None:
    params = {"support_type": some(rng, "support_types")}
    if rng.random() < 0.5:
        params["territory"] = some(rng, "territories")
    client.get("/offers/?" + urlencode(params), name="offers: list with filters")


def offer_page(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/offers/{some(rng, 'offers')}/", name="offer page")


def territory_list(client: HttpSession, rng: random.Random) -> None:
    indicator = rng.choice(["low_income_pct", "material_deprivation_pct", "priority_zone_pct"])
    client.get(f"/territories/?indicator={indicator}", name="territories: list and map")


def territory_page(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/territories/{some(rng, 'territories')}/", name="territory page and map")


def territory_boundary(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/api/territories/{some(rng, 'territories')}", name="API: territory with boundary (map data)")


# --- searching -----------------------------------------------------------------------------------


def search_page(client: HttpSession, rng: random.Random) -> None:
    client.get("/search/?" + urlencode({"q": some(rng, "words")}), name="search page")


def search_as_you_type(client: HttpSession, rng: random.Random) -> None:
    word = some(rng, "words")
    headers = {**HTMX, "HX-Target": "results"}
    for typed in (word[: max(3, len(word) // 2)], word):
        client.get(
            "/organisations/?" + urlencode({"q": typed}),
            headers=headers,
            name="organisations: results as you type (htmx)",
        )


def search_api(client: HttpSession, rng: random.Random) -> None:
    client.get("/api/organisations?" + urlencode({"q": some(rng, "words")}), name="API: organisations?q=")


# --- API clients ---------------------------------------------------------------------------------


def api_organisations(client: HttpSession, rng: random.Random) -> None:
    params = {"territory": some(rng, "territories"), "role": rng.choice(["field", "support"]), "page_size": "50"}
    client.get("/api/organisations?" + urlencode(params), name="API: organisations with filters")


def api_initiative(client: HttpSession, rng: random.Random) -> None:
    client.get(f"/api/initiatives/{some(rng, 'initiatives')}", name="API: initiative")


def api_offers(client: HttpSession, rng: random.Random) -> None:
    client.get("/api/offers?" + urlencode({"support_type": some(rng, "support_types")}), name="API: offers by type")


# --- the baseline --------------------------------------------------------------------------------


def healthz(client: HttpSession, rng: random.Random) -> None:
    client.get("/healthz", name="baseline: /healthz")


def stylesheet(client: HttpSession, rng: random.Random) -> None:
    client.get(PLAN["static"], name="baseline: stylesheet (static)")


# --- field actors --------------------------------------------------------------------------------


class Actor:
    """A signed-in member of a field actor's organisation and where they are in their diagnostic."""

    def __init__(self, client: HttpSession, account: dict[str, str], rng: random.Random) -> None:
        self.client = client
        self.account = account
        self.rng = rng
        self.step_url: str | None = None  # the step of the diagnostic being filled in
        self.form: Form | None = None  # its form as last read or changed

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="login: form")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_of(page.text),
                "username": self.account["email"],
                "password": PLAN["password"],
                "next": "",
            },
            allow_redirects=False,
            name="login: submit",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return
        self.client.get(response.headers["Location"], name="account home")

    def basket_page(self) -> None:
        self.client.get(f"/basket/{self.account['initiative']}/", name="basket page")

    def basket_api(self) -> None:
        self.client.get(
            f"/api/initiatives/{self.account['initiative']}/basket",
            headers={"Authorization": f"Bearer {self.account['token']}"},
            name="API: basket (token)",
        )

    def diagnostics_index(self) -> None:
        self.client.get("/diagnostics/", name="diagnostics: my initiatives")

    def diagnostic(self) -> None:
        """One action in the diagnostic, as a person does between two pauses."""
        if self.step_url is None:
            self.start()
        elif self.form is None:
            self.open_step()
        elif self.step_url.rstrip("/").endswith("/review"):
            self.submit()
        else:
            self.answer()

    def start(self) -> None:
        page = self.client.get(f"/initiatives/{self.account['initiative']}/", name="initiative page (own)")
        with self.client.post(
            f"/diagnostics/start/{self.account['initiative']}/",
            data={"csrfmiddlewaretoken": csrf_of(page.text)},
            allow_redirects=False,
            name="diagnostic: start or resume (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/diagnostics/" not in response.headers.get("Location", ""):
                response.failure(f"not started ({response.status_code})")
                return
        self.step_url = response.headers["Location"]

    def open_step(self) -> None:
        assert self.step_url is not None
        with self.client.get(self.step_url, name="diagnostic: step page", catch_response=True) as response:
            forms = [f for f in forms_of(response.text) if f.values.get("csrfmiddlewaretoken")]
            wanted = "diagnostic-form" if not self.step_url.rstrip("/").endswith("/review") else ""
            found = [f for f in forms if not wanted or wanted in f.classes]
            if response.status_code != 200 or not found:
                response.failure(f"no form on the step ({response.status_code})")
                self.step_url = None
                return
        self.form = found[-1]

    def answer(self) -> None:
        """Autosave a few answers (htmx posts the whole form on each change), or go on once all are given."""
        assert self.form is not None
        assert self.step_url is not None
        open_questions = [n for n in self.form.choices if n.startswith("q-") and not self.form.values.get(n)]
        if open_questions:
            for name in open_questions[:4]:
                self.form.set(name, "na" if self.rng.random() < 0.05 else str(self.rng.randint(1, 5)))
            with self.client.post(
                self.step_url,
                data=self.form.data(),
                headers={**HTMX, "HX-Target": "save-status"},
                name="diagnostic: autosave (htmx)",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"not saved ({response.status_code})")
            return
        with self.client.post(
            self.step_url,
            data=self.form.data(go="next"),
            allow_redirects=False,
            name="diagnostic: save and continue (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"step not saved ({response.status_code})")
                self.step_url, self.form = None, None
                return
        self.step_url, self.form = response.headers["Location"], None

    def submit(self) -> None:
        assert self.form is not None
        with self.client.post(
            self.form.action,
            data=self.form.data(),
            allow_redirects=False,
            name="diagnostic: submit (POST)",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not re.search(r"/diagnostics/\d+/$", location):
                response.failure(f"not submitted ({response.status_code} → {location})")
        self.step_url, self.form = None, None
        if location:
            self.client.get(location, name="diagnostic: results page")


# --- the users -----------------------------------------------------------------------------------

VISITOR = [
    (home, 3),
    (organisation_list, 4),
    (organisation_page, 3),
    (initiative_page, 2),
    (offer_list, 2),
    (offer_page, 2),
    (territory_list, 1),
    (territory_page, 2),
    (territory_boundary, 1),
]
SEARCHER = [(search_page, 2), (search_as_you_type, 2), (search_api, 1)]
API_READER = [(api_organisations, 1), (api_initiative, 1), (api_offers, 1)]


def weighted(actions: list[tuple[Any, int]]) -> dict[Any, int]:
    """Locust tasks calling each action with the user's own client and random numbers."""

    def bind(action: Any) -> Any:
        def run(user: Any) -> None:
            action(user.client, user.rng)

        run.__name__ = action.__name__
        return run

    return {bind(action): weight for action, weight in actions}


class Tagged(HttpUser):
    abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = self.session()

    def session(self) -> TaggedSession:
        session = TaggedSession(self.host, self.environment.events.request, self, pool_manager=self.pool_manager)
        session.trust_env = False  # as HttpUser's own: no proxy from the environment
        return session


class Person(Tagged):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.rng = random.Random()


class Visitor(Person):
    weight = 5
    tasks = weighted(VISITOR)


class Searcher(Person):
    weight = 3
    tasks = weighted(SEARCHER)


class ApiReader(Person):
    weight = 1
    wait_time = between(0.5, 1.5)
    tasks = weighted(API_READER)


class FieldActor(Person):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        actors = PLAN["actors"]
        self.actor = Actor(self.client, actors[next(ACTORS) % len(actors)], self.rng)
        self.actor.login()

    @task(6)
    def diagnostic(self) -> None:
        self.actor.diagnostic()

    @task(2 if PLAN["baskets"] else 0)
    def basket_page(self) -> None:
        self.actor.basket_page()

    @task(1 if PLAN["baskets"] else 0)
    def basket_api(self) -> None:
        self.actor.basket_api()

    @task(1)
    def diagnostics_index(self) -> None:
        self.actor.diagnostics_index()


class Probe(Tagged):
    fixed_count = 1
    wait_time = constant(0.5)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def probe(self) -> None:
        healthz(self.client, self.rng)
        stylesheet(self.client, self.rng)


class SoloWalker(Tagged):
    """Alone, without pauses: every request of the mix in turn (signed-in ones with the plan's first actor)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random(2026)
        self.anonymous = self.session()
        self.actor = Actor(self.client, PLAN["actors"][0], self.rng)
        self.actor.login()

    @task
    def walk(self) -> None:
        for action in (healthz, stylesheet):
            action(self.anonymous, self.rng)
        for action, _weight in VISITOR + SEARCHER + API_READER:
            action(self.anonymous, self.rng)
        self.actor.diagnostics_index()
        for _ in range(8):
            self.actor.diagnostic()
        if PLAN["baskets"]:
            self.actor.basket_page()
            self.actor.basket_api()
