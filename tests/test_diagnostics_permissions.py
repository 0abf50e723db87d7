"""Who sees and does what with diagnostics: every role × every page and endpoint × draft and submitted.

A diagnostic belongs to its initiative's carrying organisations. Anyone else, stewards
included, gets "not found" (its existence stays private), except the support actors it was
shared with, who read it once submitted. Stewards publish frameworks, set the scoring
parameters and read aggregates.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.diagnostics import selectors, services
from tests.factories import InitiativeFactory, OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _argument, _route_names

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "member", "admin", "other_admin", "steward", "shared")
OK, LOGIN, DENY, MISSING, REDIRECT = "ok", "login", "deny", "missing", "redirect"


def row(anonymous, outsider, member_, admin, other_admin, steward, shared):
    return dict(zip(ROLES, (anonymous, outsider, member_, admin, other_admin, steward, shared), strict=True))


PUBLIC = row(OK, OK, OK, OK, OK, OK, OK)
STEWARDS = row(LOGIN, DENY, DENY, DENY, DENY, OK, DENY)
TEAM_ONLY = row(LOGIN, MISSING, OK, OK, MISSING, MISSING, MISSING)
TEAM_AND_SHARED = row(LOGIN, MISSING, OK, OK, MISSING, MISSING, OK)

MATRIX = [
    ("diagnostics:index", (), "get", PUBLIC),
    ("diagnostics:framework", (), "get", PUBLIC),
    ("diagnostics:framework_version", ("fw_slug", "fw_version"), "get", PUBLIC),
    ("diagnostics:framework_download", ("fw_slug", "fw_version"), "get", PUBLIC),
    ("diagnostics:framework_publish", (), "get", STEWARDS),
    ("diagnostics:parameters", (), "get", STEWARDS),
    ("diagnostics:aggregates", (), "get", STEWARDS),
    ("diagnostics:start", ("initiative",), "post", row(LOGIN, DENY, REDIRECT, REDIRECT, DENY, DENY, DENY)),
    ("diagnostics:step", ("draft", "step"), "get", TEAM_ONLY),
    # A submitted diagnostic sends its readers to the results.
    (
        "diagnostics:step",
        ("submitted", "step"),
        "get",
        row(LOGIN, MISSING, REDIRECT, REDIRECT, MISSING, MISSING, REDIRECT),
    ),
    ("diagnostics:submit", ("draft",), "post", row(LOGIN, MISSING, REDIRECT, REDIRECT, MISSING, MISSING, MISSING)),
    ("diagnostics:detail", ("submitted",), "get", TEAM_AND_SHARED),
    ("diagnostics:detail", ("draft",), "get", row(LOGIN, MISSING, REDIRECT, REDIRECT, MISSING, MISSING, MISSING)),
    ("diagnostics:pdf", ("submitted",), "get", TEAM_AND_SHARED),
    ("diagnostics:export", ("submitted", "csv"), "get", TEAM_AND_SHARED),
    ("diagnostics:export", ("draft", "json"), "get", TEAM_ONLY),
    # The support actor reads a shared diagnostic but does not decide who else does.
    ("diagnostics:share", ("submitted",), "post", row(LOGIN, MISSING, REDIRECT, REDIRECT, MISSING, MISSING, DENY)),
    (
        "diagnostics:unshare",
        ("submitted", "support_org_pk"),
        "post",
        row(LOGIN, MISSING, REDIRECT, REDIRECT, MISSING, MISSING, DENY),
    ),
]


@pytest.fixture
def world(reference):
    org = OrganisationFactory(name_fr="Organisme témoin")
    other_org = OrganisationFactory(name_fr="Autre organisme")
    funder = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, is_field_actor=False)
    users = {
        "outsider": UserFactory(),
        "member": UserFactory(),
        "admin": UserFactory(),
        "other_admin": UserFactory(),
        "steward": UserFactory(is_steward=True, is_staff=True),
        "shared": UserFactory(),
    }
    member(users["member"], org)
    member(users["admin"], org, Membership.Role.ADMIN)
    member(users["other_admin"], other_org, Membership.Role.ADMIN)
    member(users["shared"], funder)
    initiative = InitiativeFactory(carrier=org)
    done = InitiativeFactory(carrier=org)
    submitted, _ = services.diagnostic_start(user=None, initiative=done)
    keys = selectors.framework_of(submitted.framework).question_keys()
    services.diagnostic_save(user=None, diagnostic=submitted, answers=dict.fromkeys(keys, 3))
    services.diagnostic_submit(user=None, diagnostic=submitted)
    services.diagnostic_share(user=None, diagnostic=submitted, organisation=funder)
    draft, _ = services.diagnostic_start(user=None, initiative=done)
    framework = selectors.current_framework()
    return {
        "users": users,
        "initiative": initiative,
        "submitted": submitted,
        "draft": draft,
        "funder": funder,
        "support_org_pk": funder.pk,
        "step": "context",
        "fw_slug": framework.slug,
        "fw_version": framework.version,
        "csv": "csv",
        "json": "json",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "method", "expected"), MATRIX, ids=[f"{m[0]}-{m[2]}-{'-'.join(m[1])}" for m in MATRIX]
)
def test_page_access(client, world, role, name, args, method, expected):
    if role != "anonymous":
        client.force_login(world["users"][role])
    url = reverse(name, args=[_argument(world, a) for a in args])
    response = getattr(client, method)(url)
    assert response.status_code in EXPECTED_STATUS[expected[role]], (role, url, response.status_code)
    if expected[role] == LOGIN:
        assert reverse("accounts:login") in response["Location"]


def test_every_diagnostics_route_is_in_the_matrix():
    routes = {name for name in _route_names() if name.startswith("diagnostics:")}
    assert routes - {entry[0] for entry in MATRIX} == set()


# --- what each role finds listed -------------------------------------------------------------------

LISTED = row(False, False, True, True, False, False, True)


@pytest.mark.parametrize("role", ROLES)
def test_the_diagnostics_page_lists_only_what_the_person_may_read(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    page = client.get(reverse("diagnostics:index")).content.decode()
    assert (reverse("diagnostics:detail", args=[world["submitted"].pk]) in page) is LISTED[role]


# --- the API -----------------------------------------------------------------------------------------

API = [
    # (method, path template, body, expected status by role)
    ("get", "/api/diagnostics/{submitted}", None, row(401, 404, 200, 200, 404, 404, 200)),
    ("get", "/api/diagnostics/{draft}", None, row(401, 404, 200, 200, 404, 404, 404)),
    ("get", "/api/diagnostics/{submitted}/needs", None, row(401, 404, 200, 200, 404, 404, 200)),
    ("get", "/api/diagnostics/{submitted}/csv", None, row(401, 404, 200, 200, 404, 404, 200)),
    ("patch", "/api/diagnostics/{draft}", {"answers": {"gouvernance.q1": 4}}, row(401, 404, 200, 200, 404, 404, 404)),
    # Submitted: nobody changes it any more (409 diagnostic_submitted); who cannot see it gets 404.
    ("patch", "/api/diagnostics/{submitted}", {"answers": {}}, row(401, 404, 409, 409, 404, 404, 409)),
    ("post", "/api/diagnostics/{draft}/submit", None, row(401, 404, 400, 400, 404, 404, 404)),
    ("post", "/api/initiatives/{initiative}/diagnostics", None, row(401, 403, 201, 201, 403, 403, 403)),
    ("get", "/api/diagnostics/aggregates", None, row(401, 403, 403, 403, 403, 200, 403)),
    ("get", "/api/frameworks", None, row(200, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/frameworks/current", None, row(200, 200, 200, 200, 200, 200, 200)),
    ("post", "/api/frameworks", {"content": "format: x"}, row(401, 403, 403, 403, 403, 400, 403)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), API, ids=[f"{a[0]}-{a[1]}" for a in API])
def test_api_access(client, world, role, method, path, body, expected):
    headers = {}
    if role != "anonymous":
        _token, raw = token_create(user=world["users"][role], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    url = path.format(submitted=world["submitted"].pk, draft=world["draft"].pk, initiative=world["initiative"].slug)
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, **kwargs, **headers)
    assert response.status_code == expected[role], (role, url, response.content[:300])


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_readable_diagnostics(client, world, role):
    if role == "anonymous":
        return
    _token, raw = token_create(user=world["users"][role], name="matrix")
    listed = client.get("/api/diagnostics", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    ids = {d["id"] for d in listed}
    assert (world["submitted"].pk in ids) is LISTED[role]
    assert (world["draft"].pk in ids) is (role in ("member", "admin"))
