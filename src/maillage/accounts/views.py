"""Account pages: sign-up, the account home (memberships, API tokens), an organisation's members."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import add_to_form
from maillage.common.views import NotFound
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .forms import EmailAuthenticationForm, MemberAddForm, MemberRoleForm, ProfileForm, SignUpForm, TokenForm
from .models import Membership


class LoginView(auth_views.LoginView):
    """Logs in with the e-mail address, then continues in the person's preferred language."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return translate_url(super().get_success_url(), self.request.user.preferred_language)


def locked_out(request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None) -> HttpResponse:
    """The login page again, saying why it refuses (django-axes' lockout, after five failed attempts).

    The address typed stays in the form; the password never comes back. Answered with 429 (too many
    requests), so that scripts see it too.
    """
    form = EmailAuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed attempts to log in with this address. For your security, it is blocked for "
        "%(minutes)d minute. You can reset your password in the meantime.",
        "Too many failed attempts to log in with this address. For your security, it is blocked for "
        "%(minutes)d minutes. You can reset your password in the meantime.",
        minutes,
    ) % {"minutes": minutes}
    context = {"form": form, "locked_out": message, "next": request.POST.get("next", request.GET.get("next", ""))}
    return render(request, "accounts/login.html", context, status=429)


@login_required
@require_POST
def profile_update(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.user_update_profile(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(translate_url(reverse("accounts:home"), form.cleaned_data["preferred_language"]))
    return render(request, "accounts/home.html", _home_context(request, profile_form=form), status=400)


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


def _home_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    user = request.user
    return {
        "memberships": selectors.user_memberships(user),  # type: ignore[arg-type]
        "tokens": selectors.user_tokens(user),  # type: ignore[arg-type]
        "token_form": forms.get("token_form") or TokenForm(),
        "profile_form": forms.get("profile_form")
        or ProfileForm(initial={"full_name": user.full_name, "preferred_language": user.preferred_language}),
    }


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    context = _home_context(request)
    context["new_token"] = request.session.pop("new_api_token", None)
    return render(request, "accounts/home.html", context)


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
    return render(request, "accounts/home.html", _home_context(request, token_form=form), status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except MaillageError as exc:
        raise NotFound(exc.message) from None
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
        raise NotFound(exc.message) from None
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
                membership_id = request.POST.get("membership", "")
                if not membership_id.isdigit():
                    raise Http404
                membership = get_object_or_404(Membership, pk=int(membership_id), organisation=org)
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
