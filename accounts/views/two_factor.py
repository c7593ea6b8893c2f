"""Sign-in with a code from an authenticator app: the password step, the code step, enrolment, turning it
off, and the system administrators' security policy (with the reset for a lost phone)."""

import django_otp
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.exceptions import AccountError
from accounts.forms import CodeForm, PasswordConfirmForm, ResetTwoFactorForm, SecurityPolicyForm
from accounts.services import policy, sign_in, two_factor
from portal.client_ip import client_ip
from portal.forms import show_service_error
from tenants.access import is_system_admin


class SignInView(auth_views.LoginView):
    """Django's sign-in; a user with an authenticator app is not signed in yet: the code step comes next."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        sign_in.start_pending_sign_in(request=self.request, user=user, next_url=self.get_success_url())
        return redirect("accounts:two-factor-verify")


def verify(request):
    """The second step: the code from the app. Wrong codes count towards the lock-out like wrong passwords."""
    user = sign_in.get_pending_user(request)
    if user is None:
        return redirect("login")
    locked = sign_in.lockout_or_none(request, user)
    if locked is not None:
        return locked
    form = CodeForm(request.POST or None)
    if form.is_valid():
        next_url = sign_in.pending_next_url(request)
        try:
            sign_in.verify_sign_in_code(request=request, user=user, code=form.cleaned_data["otp_token"])
        except AccountError as exc:
            show_service_error(form, exc)
        else:
            safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
            return redirect(next_url if safe else "/")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "pending_user": user})


@login_required
def overview(request):
    return render(request, "accounts/overview.html", {
        "has_two_factor": two_factor.has_two_factor(request.user),
        "required": policy.two_factor_required(request.user),
        "is_system_admin": is_system_admin(request.user),
    })


@login_required
def two_factor_page(request):
    """Turn two-factor sign-in on (QR code, key, confirm with a code), or see that it is on."""
    if two_factor.has_two_factor(request.user):
        return render(request, "accounts/two_factor.html", {"enabled": True, "disable_form": PasswordConfirmForm(),
                                                            "required": policy.two_factor_required(request.user)})
    device = two_factor.get_enrolment_device(user=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            device = two_factor.confirm_enrolment(user=request.user, code=form.cleaned_data["otp_token"])
        except AccountError as exc:
            show_service_error(form, exc)
        else:
            django_otp.login(request, device)  # this session proved it has the app
            messages.success(request, "Two-factor sign-in is on: every sign-in now asks for a code from your app.")
            return redirect("accounts:overview")
    return render(request, "accounts/two_factor.html", {
        "enabled": False, "form": form, "qr_svg": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_text(device), "required": policy.two_factor_required(request.user),
    })


@require_POST
@login_required
def two_factor_disable(request):
    """Turn it off, with the password (a wrong one counts towards the lock-out like at sign-in)."""
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        user = authenticate(request, username=request.user.get_username(), password=form.cleaned_data["password"])
        if user is None or user.pk != request.user.pk:
            form.add_error("password", "That password is not right.")
        else:
            try:
                two_factor.disable_two_factor(user=request.user)
            except AccountError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, "Two-factor sign-in is off: signing in needs only your password.")
                return redirect("accounts:overview")
    return render(request, "accounts/two_factor.html", {
        "enabled": True, "disable_form": form, "required": policy.two_factor_required(request.user),
    }, status=400)


def security_policy(request):
    """System administrators only (404 for anyone else): require two-factor for administrators; reset a
    user's two-factor sign-in when the phone is lost."""
    if not is_system_admin(request.user):
        raise Http404("No such page.")
    current = policy.get_policy()
    form = SecurityPolicyForm(request.POST or None,
                              initial={"require_two_factor_for_admins": current.require_two_factor_for_admins})
    if form.is_valid():
        policy.set_policy(by=request.user, **form.cleaned_data)
        messages.success(request, "Security policy saved.")
        return redirect("accounts:security")
    return render(request, "accounts/security.html", {
        "form": form, "policy": current, "reset_form": ResetTwoFactorForm(),
        "without_two_factor": two_factor.list_administrators_without_two_factor(),
    })


@require_POST
def security_reset_two_factor(request):
    if not is_system_admin(request.user):
        raise Http404("No such page.")
    form = ResetTwoFactorForm(request.POST)
    user = None
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
    if user is None:
        messages.error(request, "No user has that username.")
    else:
        removed = two_factor.reset_two_factor(user=user, by=f"{request.user.get_username()} from {client_ip(request)}")
        messages.success(request, f"Two-factor sign-in of {user.get_username()} reset ({removed} app(s) removed): "
                         "the next sign-in needs the password only, then a new app if the policy requires one.")
    return redirect("accounts:security")
