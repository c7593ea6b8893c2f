"""Inbox settings: the signed-in user's own e-mail notification choice (every role, extension users too)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from messaging.forms.inbox import InboxSettingsForm
from messaging.services.conversations import notifications


def inbox_settings(request):
    current = notifications.get_inbox_settings(user=request.user)
    # An unticked box posts nothing: an empty POST is still a submission (turning the mail off).
    data = request.POST if request.method == "POST" else None
    form = InboxSettingsForm(data, initial={"email_on_inbound": current.email_on_inbound})
    if request.method == "POST" and form.is_valid():
        saved = notifications.set_inbox_settings(user=request.user, **form.cleaned_data)
        if not saved.email_on_inbound:
            messages.success(request, "E-mail notifications are off.")
        elif saved.can_send:
            messages.success(request, f"E-mail notifications are on: they go to {saved.email}.")
        else:
            messages.warning(request, "E-mail notifications are on, but you have no e-mail address: nothing can "
                                      "be sent until an administrator adds one.")
        return redirect("messaging:inbox-settings")
    return render(request, "messaging/inbox/settings.html", {"form": form, "current": current})
