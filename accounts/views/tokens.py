"""The signed-in person's API tokens: list, make one (its key shown once, on this answer only), revoke."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.services import api_tokens


class ApiTokenForm(forms.Form):
    label = forms.CharField(max_length=api_tokens.LABEL_MAX_LENGTH, required=False,
                            help_text="A name that tells you where the token is used, e.g. the app's name.")


@login_required
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    new_key = new_token = None
    if request.method == "POST" and form.is_valid():
        new_token, new_key = api_tokens.create_api_token(user=request.user, label=form.cleaned_data["label"])
        form = ApiTokenForm()
    response = render(request, "accounts/tokens.html", {
        "form": form, "tokens": api_tokens.list_api_tokens(user=request.user), "new_key": new_key,
        "new_token": new_token, "ttl_days": settings.API_TOKEN_TTL_DAYS,
    })
    if new_key:
        response["Cache-Control"] = "no-store"  # the key must not stay in a cache, nor come back with Back
    return response


@login_required
@require_POST
def token_revoke(request, uid):
    try:
        api_tokens.revoke_api_token(user=request.user, uid=uid)
    except api_tokens.TokenNotFound:
        raise Http404("No such token.") from None  # another person's token: as if it did not exist
    messages.success(request, "The token was revoked: it no longer works.")
    return redirect("accounts:tokens")


@login_required
@require_POST
def token_revoke_all(request):
    count = api_tokens.revoke_all_api_tokens(user=request.user)
    messages.success(request, f"Revoked {count} token{'' if count == 1 else 's'}.")
    return redirect("accounts:tokens")
