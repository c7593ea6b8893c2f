"""/account/preferences/: the signed-in person's own time zone, the same in every tenant they enter."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from portal.forms import show_service_error
from tenants import services
from tenants.exceptions import TenantInvalid
from tenants.forms import PreferencesForm
from tenants.models import UserPreference


@login_required
def preferences(request):
    current = UserPreference.objects.filter(user=request.user).values_list("time_zone", flat=True).first() or ""
    form = PreferencesForm(request.POST or None, initial={"time_zone": current})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.set_user_time_zone(user=request.user, **form.cleaned_data)
        except TenantInvalid as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Times are now shown in {saved.time_zone}." if saved.time_zone
                             else "Times are now shown in each tenant's time zone.")
            return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})
