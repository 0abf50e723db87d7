"""Account pages: sign-up, the account home (memberships, API tokens), an organisation's members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import add_to_form
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .forms import MemberAddForm, MemberRoleForm, SignUpForm, TokenForm
from .models import Membership


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignUpForm(request.POST or None, initial={"preferred_language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                preferred_language=form.cleaned_data["preferred_language"],
            )
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome to Maillage! Create your organisation or ask its administrator to add you.")
            )
            return redirect("accounts:home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": selectors.user_memberships(request.user),  # type: ignore[arg-type]
            "tokens": selectors.user_tokens(request.user),  # type: ignore[arg-type]
            "token_form": TokenForm(),
            "new_token": request.session.pop("new_api_token", None),
        },
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = services.token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            # Shown once, on the next page, then forgotten.
            request.session["new_api_token"] = raw
            return redirect("accounts:home")
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": selectors.user_memberships(request.user),  # type: ignore[arg-type]
            "tokens": selectors.user_tokens(request.user),  # type: ignore[arg-type]
            "token_form": form,
        },
        status=400,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except MaillageError as exc:
        raise Http404(exc.message) from None
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:home")


@login_required
@require_POST
def membership_leave(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, user=request.user)
    try:
        services.membership_remove(actor=request.user, membership=membership)  # type: ignore[arg-type]
    except MaillageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You left the organisation."))
    return redirect("accounts:home")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        org = directory_selectors.organisation_detail(slug)
    except MaillageError as exc:
        raise Http404(exc.message) from None
    if not request.user.has_perm("directory.manage_organisation_members", org):
        raise PermissionDenied
    add_form = MemberAddForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add" and add_form.is_valid():
                services.membership_add(
                    actor=request.user,
                    organisation=org,  # type: ignore[arg-type]
                    email=add_form.cleaned_data["email"],
                    role=add_form.cleaned_data["role"],
                )
                messages.success(request, _("The person is added."))
                return redirect("directory:organisation_members", slug=slug)
            if action in ("role", "remove"):
                membership = get_object_or_404(Membership, pk=request.POST.get("membership"), organisation=org)
                if action == "remove":
                    services.membership_remove(actor=request.user, membership=membership)  # type: ignore[arg-type]
                    messages.success(request, _("The person is removed from the organisation."))
                else:
                    role_form = MemberRoleForm(request.POST)
                    if role_form.is_valid():
                        services.membership_change_role(
                            actor=request.user,  # type: ignore[arg-type]
                            membership=membership,
                            role=role_form.cleaned_data["role"],
                        )
                        messages.success(request, _("The role is changed."))
                return redirect("directory:organisation_members", slug=slug)
        except MaillageError as exc:
            if action == "add":
                add_to_form(add_form, exc)
            else:
                messages.error(request, exc.message)
    return render(
        request,
        "accounts/members.html",
        {
            "org": org,
            "members": selectors.organisation_members(org.pk),
            "add_form": add_form,
            "roles": Membership.Role.choices,
        },
        status=400 if add_form.errors else 200,
    )
