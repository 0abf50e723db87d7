"""Who may see and do what: every role × every page and endpoint × own and others' objects.

The matrix is written out as a table. Every named route of the site must have an entry:
adding a page without deciding who may open it fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from maillage.accounts.models import ApiToken, Membership
from maillage.accounts.services import token_create
from tests.factories import (
    InitiativeFactory,
    OfferFactory,
    OrganisationFactory,
    RelationFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "member", "admin", "other_admin", "steward")

OK, LOGIN, DENY, MISSING = "ok", "login", "deny", "missing"


def row(anonymous, outsider, member_, admin, other_admin, steward):
    return dict(zip(ROLES, (anonymous, outsider, member_, admin, other_admin, steward), strict=True))


PUBLIC = row(OK, OK, OK, OK, OK, OK)
SIGNED_IN = row(LOGIN, OK, OK, OK, OK, OK)
MEMBERS = row(LOGIN, DENY, OK, OK, DENY, OK)
ADMINS = row(LOGIN, DENY, DENY, OK, DENY, OK)

# (url name, arguments from the world, method, expected by role)
MATRIX = [
    ("directory:home", (), "get", PUBLIC),
    ("directory:search", (), "get", PUBLIC),
    ("directory:about", (), "get", PUBLIC),
    ("directory:organisations", (), "get", PUBLIC),
    ("directory:initiatives", (), "get", PUBLIC),
    ("directory:offers", (), "get", PUBLIC),
    ("directory:territories", (), "get", PUBLIC),
    ("directory:territory", ("territory",), "get", PUBLIC),
    ("directory:organisation", ("org",), "get", PUBLIC),
    ("directory:initiative", ("initiative",), "get", PUBLIC),
    ("directory:offer", ("offer",), "get", PUBLIC),
    ("directory:organisation_create", (), "get", SIGNED_IN),
    ("directory:organisation_edit", ("org",), "get", ADMINS),
    ("directory:organisation_edit", ("org",), "post", ADMINS),
    ("directory:organisation_members", ("org",), "get", ADMINS),
    ("directory:relation_create", ("org",), "get", ADMINS),
    ("directory:relation_create", ("org",), "post", ADMINS),
    ("directory:relation_delete", ("relation",), "post", row(LOGIN, DENY, DENY, "redirect", DENY, "redirect")),
    ("directory:initiative_create", ("org",), "get", MEMBERS),
    ("directory:initiative_edit", ("initiative",), "get", MEMBERS),
    ("directory:initiative_edit", ("initiative",), "post", MEMBERS),
    ("directory:offer_create", ("support_org",), "get", MEMBERS),
    # A field actor publishes no offer: its members and stewards are sent back with a message saying why.
    ("directory:offer_create", ("org",), "get", row(LOGIN, DENY, "redirect", "redirect", DENY, "redirect")),
    ("directory:offer_create", ("support_org",), "post", MEMBERS),
    ("directory:offer_edit", ("offer",), "get", MEMBERS),
    ("directory:offer_edit", ("offer",), "post", MEMBERS),
    ("accounts:home", (), "get", SIGNED_IN),
    ("accounts:signup", (), "get", row(OK, "redirect", "redirect", "redirect", "redirect", "redirect")),
    ("accounts:login", (), "get", row(OK, "redirect", "redirect", "redirect", "redirect", "redirect")),
    ("accounts:logout", (), "post", row("redirect", "redirect", "redirect", "redirect", "redirect", "redirect")),
    ("accounts:password_change", (), "get", SIGNED_IN),
    # Posted empty: the language is missing, the form comes back with its message.
    ("accounts:profile", (), "post", row(LOGIN, "invalid", "invalid", "invalid", "invalid", "invalid")),
    ("accounts:password_reset", (), "get", PUBLIC),
    ("accounts:password_reset_done", (), "get", PUBLIC),
    ("accounts:password_reset_complete", (), "get", PUBLIC),
    ("accounts:password_reset_confirm", ("uid", "reset_token"), "get", PUBLIC),
    # Posted empty: signed-in people get the form back with its message.
    ("accounts:token_create", (), "post", row(LOGIN, "invalid", "invalid", "invalid", "invalid", "invalid")),
    # Someone else's token or membership is simply not found.
    ("accounts:token_revoke", ("api_token",), "post", row(LOGIN, MISSING, MISSING, "redirect", MISSING, MISSING)),
    ("accounts:membership_leave", ("membership",), "post", row(LOGIN, MISSING, MISSING, "redirect", MISSING, MISSING)),
]

EXPECTED_STATUS = {OK: {200}, LOGIN: {302}, DENY: {403}, "redirect": {302}, MISSING: {404}, "invalid": {400}}


@pytest.fixture
def world(reference):
    org = OrganisationFactory(name_fr="Organisme témoin")
    support_org = OrganisationFactory(
        name_fr="Fondation témoin", is_support_actor=True, is_field_actor=False, kind="foundation"
    )
    other_org = OrganisationFactory(name_fr="Autre organisme")
    users = {
        "outsider": UserFactory(),
        "member": UserFactory(),
        "admin": UserFactory(),
        "other_admin": UserFactory(),
        "steward": UserFactory(is_steward=True, is_staff=True),
    }
    for target in (org, support_org):
        member(users["member"], target)
        member(users["admin"], target, Membership.Role.ADMIN)
    member(users["other_admin"], other_org, Membership.Role.ADMIN)
    _token, _raw = token_create(user=users["admin"], name="tableur")
    return {
        "org": org,
        "support_org": support_org,
        "initiative": InitiativeFactory(carrier=org),
        "offer": OfferFactory(provider=support_org),
        "relation": RelationFactory(source=support_org, target=org, kind="funds", year=2025, amount=1000),
        "territory": "quartier-verdun",
        "users": users,
        "uid": "MQ",
        "reset_token": "set-password",
        "api_token": ApiToken.objects.get(user=users["admin"]),
        "membership": Membership.objects.get(user=users["admin"], organisation=org),
    }


def _argument(world, name):
    value = world[name]
    if hasattr(value, "slug"):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    return value


def _client(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "method", "expected"), MATRIX, ids=[f"{m[0]}-{m[2]}-{'-'.join(m[1])}" for m in MATRIX]
)
def test_page_access(client, world, role, name, args, method, expected):
    url = reverse(name, args=[_argument(world, a) for a in args])
    response = getattr(_client(client, world, role), method)(url)
    assert response.status_code in EXPECTED_STATUS[expected[role]], (role, url, response.status_code)
    if expected[role] == LOGIN:
        assert reverse("accounts:login") in response["Location"]


def _route_names(resolver=None, namespace=""):
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace not in ("admin", "api"):
                names |= _route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_matrix():
    routes = {name for name in _route_names() if name.startswith(("directory:", "accounts:"))}
    assert routes - {entry[0] for entry in MATRIX} == set()


# --- private fields: who sees them, on pages and through the API ---------------------------------

PRIVATE_VISIBLE = row(False, False, True, True, False, True)


@pytest.mark.parametrize("role", ROLES)
def test_private_fields_of_an_organisation(client, world, role):
    org = world["org"]
    page = _client(client, world, role).get(reverse("directory:organisation", args=[org.slug])).content.decode()
    assert ("secret note" in page) is PRIVATE_VISIBLE[role]
    assert ("contact@example.org" in page) is PRIVATE_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_private_fields_of_an_initiative(client, world, role):
    initiative = world["initiative"]
    page = _client(client, world, role).get(reverse("directory:initiative", args=[initiative.slug])).content
    assert (b"initiative secret" in page) is PRIVATE_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_private_fields_through_the_api(client, world, role):
    headers = {}
    if role != "anonymous":
        _token, raw = token_create(user=world["users"][role], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    org = world["org"]
    detail = client.get(f"/api/organisations/{org.slug}", **headers).json()
    assert (detail["private"] is not None) is PRIVATE_VISIBLE[role]
    listed = client.get("/api/organisations", {"q": "organisme temoin"}, **headers).json()["results"][0]
    assert (listed["private"] is not None) is PRIVATE_VISIBLE[role]
    initiative = client.get(f"/api/initiatives/{world['initiative'].slug}", **headers).json()
    assert (initiative["private"] is not None) is PRIVATE_VISIBLE[role]
    assert "secret note" not in str(listed) or PRIVATE_VISIBLE[role]


# --- API writes --------------------------------------------------------------------------------

API_WRITES = [
    ("patch", "/api/organisations/{org}", {"name_fr": "Renommé"}, row(401, 403, 403, 200, 403, 200)),
    ("patch", "/api/initiatives/{initiative}", {"name_fr": "Renommée"}, row(401, 403, 200, 200, 403, 200)),
    ("patch", "/api/offers/{offer}", {"capacity": 3}, row(401, 403, 200, 200, 403, 200)),
    ("post", "/api/initiatives", {"organisation": "{org}", "name_fr": "Nouvelle"}, row(401, 403, 201, 201, 403, 201)),
    (
        "post",
        "/api/offers",
        {"provider": "{support_org}", "name_fr": "Nouvelle offre", "support_type": "formation"},
        row(401, 403, 201, 201, 403, 201),
    ),
    (
        "post",
        "/api/organisations",
        {"name_fr": "Nouvel organisme", "is_field_actor": True},
        row(401, 201, 201, 201, 201, 201),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), API_WRITES, ids=[f"{w[0]}-{w[1]}" for w in API_WRITES])
def test_api_write_access(client, world, role, method, path, body, expected):
    slugs = {k: world[k].slug for k in ("org", "support_org", "initiative", "offer")}
    headers = {}
    if role != "anonymous":
        _token, raw = token_create(user=world["users"][role], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    payload = {k: v.format(**slugs) if isinstance(v, str) else v for k, v in body.items()}
    response = getattr(client, method)(path.format(**slugs), payload, content_type="application/json", **headers)
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response.json()["code"] in ("unauthenticated", "forbidden")


@pytest.mark.parametrize(
    ("role", "allowed"), [("anonymous", False), ("outsider", False), ("admin", False), ("steward", True)]
)
def test_administration_site_is_for_stewards(client, world, role, allowed):
    if role != "anonymous":
        user = world["users"][role]
        user.is_staff = role == "steward" or role == "admin"  # staff without stewardship sees nothing
        user.save()
        client.force_login(user)
    index = client.get("/admin/")
    changelist = client.get("/admin/directory/territory/")
    if allowed:
        assert index.status_code == 200
        assert changelist.status_code == 200
        assert b"Verdun" in changelist.content
    else:
        assert changelist.status_code in (302, 403)
