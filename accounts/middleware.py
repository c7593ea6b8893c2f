"""Two-factor gate: a signed-in session that owes its code or its enrolment reaches that page only.

The normal two-step sign-in never signs a session in before the code (accounts.services.sign_in). This gate
covers the rest: a session signed in before its user turned two-factor on (it must give a code now), and
an administrator without an authenticator app while the security policy requires one (enrolment first).
Pages redirect to the step owed; under /api/ the session counts as nobody (a token still works), so the
API answers 401/403 with its one error body. Runs after django-otp's OTPMiddleware (request.user.is_verified).
"""

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect

from accounts.services.policy import two_factor_required
from accounts.services.two_factor import has_two_factor
from portal.urls_helpers import public_reverse

VERIFY, ENROL = "accounts:two-factor-verify", "accounts:two-factor"
ALWAYS_OPEN = ("logout",)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self, step: str) -> set[str]:
        if self._open_paths is None:
            self._open_paths = {name: public_reverse(name) for name in (VERIFY, ENROL, *ALWAYS_OPEN)}
        return {self._open_paths[step], *(self._open_paths[name] for name in ALWAYS_OPEN)}

    def __call__(self, request):
        step = self.step_owed(request)
        if step is None or request.path in self.open_paths(step):
            return self.get_response(request)
        if "/api/" in request.path:
            request.user = AnonymousUser()
            return self.get_response(request)
        return redirect(public_reverse(step))

    @staticmethod
    def step_owed(request) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None
        # Set by OTPMiddleware; a user object without it (not from the session) has proven nothing.
        if getattr(user, "is_verified", lambda: False)():
            return None
        if has_two_factor(user):
            return VERIFY
        if two_factor_required(user):
            return ENROL
        return None
