"""Security settings at work: Argon2, login throttling, the Content Security Policy, the audit log,
the health endpoint and the request log."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.common import health
from maillage.common.models import WorkerHeartbeat
from maillage.config.settings import base
from maillage.matching.models import EligibilityRule
from maillage.scenarios import services as scenario_services
from tests.factories import OfferFactory, OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TEMPLATES = Path(settings.BASE_DIR) / "templates"


# --- passwords ----------------------------------------------------------------------------------


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_passwords_are_hashed_with_argon2():
    user = UserFactory()
    assert user.password.startswith("argon2$")


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_an_older_pbkdf2_password_still_logs_in_and_is_rehashed_with_argon2(client):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


# --- login throttling -------------------------------------------------------------------------------


def _login(client, email, password, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def test_five_failed_logins_lock_the_address_out_even_with_the_right_password(client):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, user.email, "wrong password")
        assert response.status_code == 200
        assert "ne correspondent à aucun compte" in response.content.decode()
    response = _login(client, user.email, "wrong password")
    assert response.status_code == 429
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives" in page
    assert "15\xa0minutes" in page or "15 minutes" in page
    assert user.email in page  # the address typed stays in the form
    assert PASSWORD not in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_in_english(client):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/en/accounts/login/", {"username": user.email, "password": "wrong"})
    response = client.post("/en/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts to log in with this address" in response.content.decode()


def test_a_lockout_holds_one_address_from_one_place_only(client):
    user, other = UserFactory(), UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong")
    assert _login(client, user.email, PASSWORD).status_code == 429
    # Someone else, from the same place, still logs in; and so does the person from elsewhere.
    assert _login(client, other.email, PASSWORD).status_code == 302
    client.logout()
    assert _login(client, user.email, PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 302


def test_the_lockout_ends_after_the_cooling_off_time(client):
    from axes.models import AccessAttempt

    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong")
    assert _login(client, user.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.email, "wrong")
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, user.email, "wrong").status_code == 200
    assert _login(client, user.email, PASSWORD).status_code == 302


@override_settings(MAILLAGE_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_behind_a_proxy_people_are_told_apart_by_the_address_it_gives(client):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong", HTTP_X_REAL_IP="198.51.100.1")
    assert _login(client, user.email, PASSWORD, HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert _login(client, user.email, PASSWORD, HTTP_X_REAL_IP="198.51.100.2").status_code == 302


def test_without_a_proxy_a_forwarded_header_cannot_dodge_the_lockout(client):
    user = UserFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
    assert _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


# --- Content Security Policy ---------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("directory:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=\s*[\"']", re.IGNORECASE)
PRINTED = {"diagnostics/print.html", "analytics/print_base.html"}  # rendered into PDFs, never served as pages


def _templates():
    return [p for p in TEMPLATES.rglob("*.html") if str(p.relative_to(TEMPLATES)) not in PRINTED]


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE], ids=["script", "handler", "style"]
)
def test_no_template_writes_inline_script_or_style(pattern):
    found = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}" for p in _templates() for m in pattern.finditer(p.read_text())]
    assert found == []


def test_the_inline_checks_do_catch_what_they_look_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="data">{}</script>')
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert STYLE_ATTRIBUTE.search('<span style="width: 3%">')


# --- the audit log ------------------------------------------------------------------------------------


@pytest.fixture
def people():
    support = OrganisationFactory(is_support_actor=True, is_field_actor=False, kind="foundation")
    admin = UserFactory(email="admin@example.org")
    member(admin, support, Membership.Role.ADMIN)
    steward = UserFactory(email="steward@example.org", is_steward=True)
    return {"support": support, "admin": admin, "steward": steward, "offer": OfferFactory(provider=support)}


def _entries(instance):
    return LogEntry.objects.get_for_object(instance).order_by("timestamp", "id")


def test_a_change_through_the_api_is_logged_with_its_author(client, people):
    _token, raw = token_create(user=people["admin"], name="audit")
    response = client.patch(
        f"/api/offers/{people['offer'].slug}",
        {"capacity": 3},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    entry = _entries(people["offer"]).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == people["admin"]
    assert entry.changes_dict["capacity"] == [10, 3]
    assert entry.remote_addr == "127.0.0.1"


def test_a_change_through_a_page_is_logged_with_its_author(client, people):
    client.force_login(people["admin"])
    offer = people["offer"]
    page = client.get(reverse("directory:offer_edit", args=[offer.slug]))
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
    data["name_fr"] = "Offre renommée"
    response = client.post(reverse("directory:offer_edit", args=[offer.slug]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    entry = _entries(offer).last()
    assert entry.actor == people["admin"]
    assert entry.changes_dict["name_fr"][1] == "Offre renommée"


def test_rules_scenarios_frameworks_and_roles_are_logged(people):
    from tests.test_diagnostics import publish_variant

    framework = publish_variant("2099.1")
    rule = EligibilityRule.objects.create(offer=people["offer"], kind="sector", values=["environnement"])
    scenario = scenario_services.scenario_create(
        user=people["steward"], organisation=None, title="Essai", equity_share=0.5
    )
    membership = member(people["steward"], people["support"])
    steward = people["admin"]
    steward.is_steward = True
    steward.save()
    for instance in (framework, rule, scenario, membership):
        assert _entries(instance).filter(action=LogEntry.Action.CREATE).exists(), instance
    assert _entries(steward).last().changes_dict["is_steward"] == [False, True]


def test_passwords_and_token_digests_are_never_logged(people):
    user = people["admin"]
    before = _entries(user).count()
    user.set_password("another long password 123")
    user.save()
    assert _entries(user).count() == before  # nothing that gives or takes rights changed
    token, raw = token_create(user=user, name="tableur")
    entry = _entries(token).last()
    assert "digest" not in entry.changes_dict
    assert raw not in json.dumps(entry.changes_dict)
    assert token.digest not in json.dumps(entry.changes_dict)


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 302), ("outsider", 403), ("admin", 403), ("steward", 200)])
@pytest.mark.parametrize("route", ["audit:log", "audit:csv"])
def test_only_stewards_read_the_audit_log(client, people, who, expected, route):
    if who == "outsider":
        client.force_login(UserFactory())
    elif who != "anonymous":
        client.force_login(people[who])
    response = client.get(reverse(route))
    assert response.status_code == expected
    if expected == 302:
        assert reverse("accounts:login") in response["Location"]


def test_the_audit_log_page_and_its_filters(client, people):
    people["offer"].capacity = 4
    people["offer"].save()
    EligibilityRule.objects.create(offer=people["offer"], kind="sector", values=["environnement"])
    client.force_login(people["steward"])
    page = client.get(reverse("audit:log")).content.decode()
    assert people["offer"].name_fr in page
    assert "Maillage (commande ou import)" in page
    assert "Capacité" in page or "capacité" in page
    only_rules = client.get(reverse("audit:log"), {"kind": "eligibility"}).content.decode()
    assert "Règles d’admissibilité" in only_rules or "règle" in only_rules.lower()
    assert reverse("directory:offer", args=[people["offer"].slug]) not in only_rules
    wrong = client.get(reverse("audit:log"), {"since": "2026-12-01", "until": "2026-01-01", "kind": "nothing"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors.keys() >= {"until", "kind"}


def test_the_audit_log_as_csv(client, people):
    people["offer"].capacity = 4
    people["offer"].save()
    client.force_login(people["steward"])
    response = client.get(reverse("audit:csv"), {"kind": "offers"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Date,Qui,Adresse d’origine,Quoi,Fiche,Modification,Champ,Avant,Après"
    assert any(",10,4" in line for line in lines[1:])


# --- health and logs ----------------------------------------------------------------------------------


def test_health_fails_without_a_worker_and_passes_with_one(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "missing"
    assert client.get("/healthz", {"check": "database"}).status_code == 200
    health.Heartbeat("worker-1").beat()
    body = client.get("/healthz").json()
    assert body == body | {"status": "ok", "database": "ok", "worker": "ok", "workers_alive": 1, "tasks_waiting": 0}


def test_a_silent_worker_counts_as_missing(client):
    health.Heartbeat("worker-1").beat()
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - health.WORKER_SILENCE - timedelta(seconds=1))
    assert client.get("/healthz").json()["worker"] == "missing"


def test_a_worker_that_stops_removes_its_heartbeat():
    heartbeat = health.Heartbeat("worker-2")
    heartbeat.beat()
    assert WorkerHeartbeat.objects.filter(worker_id="worker-2").exists()
    heartbeat.stop()  # never started: stop() only removes the row
    assert not WorkerHeartbeat.objects.filter(worker_id="worker-2").exists()


def test_health_fails_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_every_response_carries_a_request_id_and_one_log_record(client, caplog):
    with caplog.at_level(logging.INFO, logger="maillage.request"):
        response = client.get(reverse("directory:home"), HTTP_X_REQUEST_ID="abc-123")
        other = client.get(reverse("directory:home"), HTTP_X_REQUEST_ID="not valid; drop table")
    assert response["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", other["X-Request-ID"])
    records = [r for r in caplog.records if r.name == "maillage.request"]
    assert [r.request_id for r in records] == ["abc-123", other["X-Request-ID"]]
    assert records[0].status == 200
    assert records[0].path == "/"
    assert records[0].duration_ms > 0


def test_json_logs_are_one_object_a_line():
    config = base.logging_config("json", requests=True)
    formatter = logging.config.dictConfigClass(config).configure_custom(dict(config["formatters"]["default"]))
    record = logging.LogRecord("maillage.request", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id = "abc"
    line = formatter.format(record)
    parsed = json.loads(line)
    assert parsed["level"] == "INFO"
    assert parsed["logger"] == "maillage.request"
    assert parsed["request_id"] == "abc"
    assert parsed["message"] == "GET / 200"


# --- when something fails -------------------------------------------------------------------------------


def _raising_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("exception", "status", "text"),
    [
        (OperationalError("the database system is shutting down"), 503, "Maillage est momentanément indisponible"),
        (ZeroDivisionError("bug"), 500, "Un problème est survenu"),
    ],
)
def test_a_failure_shows_a_clear_page_without_reading_the_database(client, monkeypatch, exception, status, text):
    from maillage.directory import views as directory_views

    def fail(*args, **kwargs):
        raise exception

    monkeypatch.setattr(directory_views.selectors, "territory_list", fail)
    response = _raising_client(client).get(reverse("directory:territories"), HTTP_X_REQUEST_ID="ref-42")
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert "ref-42" in page
    assert ("Retry-After" in response) is (status == 503)


def test_the_api_says_when_the_database_does_not_answer(client, monkeypatch):
    from maillage.directory import api as directory_api

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(directory_api.selectors, "territory_list", fail)
    response = _raising_client(client).get("/api/territories", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "30"


def test_saving_an_offer_without_touching_its_periods_logs_only_what_changed(client, people):
    from maillage.directory.models import OpenPeriod

    offer = people["offer"]
    OpenPeriod.objects.create(offer=offer, opens_on="2027-01-01", closes_on="2027-02-28")
    OpenPeriod.objects.create(offer=offer, opens_on="2027-09-01", closes_on="2027-10-31")
    client.force_login(people["admin"])
    form = client.get(reverse("directory:offer_edit", args=[offer.slug])).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, ""):
            continue
        data[name] = [getattr(v, "pk", v) for v in value] if isinstance(value, list) else value
    data["capacity"] = 4
    before = LogEntry.objects.count()
    assert client.post(reverse("directory:offer_edit", args=[offer.slug]), data).status_code == 302
    entries = list(LogEntry.objects.order_by("id")[before:])
    assert [(e.content_type.model, e.action) for e in entries] == [("supportoffer", LogEntry.Action.UPDATE)]
    assert entries[0].changes_dict == {"capacity": [10, 4]}
    assert offer.open_periods.count() == 2

    data["period_2_closes"] = "2027-11-30"
    assert client.post(reverse("directory:offer_edit", args=[offer.slug]), data).status_code == 302
    changed = [(e.content_type.model, e.action) for e in LogEntry.objects.order_by("id")[before + 1 :]]
    assert sorted(changed) == [("openperiod", LogEntry.Action.CREATE), ("openperiod", LogEntry.Action.DELETE)]
    assert sorted(offer.open_periods.values_list("closes_on", flat=True))[1].isoformat() == "2027-11-30"


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_argon2_uses_the_recommended_parameters_and_upgrades_older_ones(client):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    user = UserFactory()
    assert "$m=19456,t=2,p=1$" in user.password
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())  # Django's defaults
    user.save()
    assert "$m=102400,t=2,p=8$" in user.password
    assert client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in user.password


def test_a_request_is_logged_even_when_the_session_cannot_be_read(client, caplog, monkeypatch):
    from django.contrib.auth import middleware as auth_middleware

    client.force_login(UserFactory())

    def unreachable(request):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(auth_middleware, "get_user", unreachable)
    with caplog.at_level(logging.INFO, logger="maillage.request"):
        response = _raising_client(client).get(reverse("directory:about"))
    assert response.status_code == 503
    assert "Maillage est momentanément indisponible" in response.content.decode()
    records = [r for r in caplog.records if r.name == "maillage.request"]
    assert [(r.status, r.user_id) for r in records] == [(503, None)]
