"""Users: the tenant's administrators and extension users (list, add, edit, remove)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from messaging.exceptions import MessagingError
from messaging.forms.users import UserForm
from messaging.services.configuration import users as service
from portal.forms import show_service_error


def _member_or_404(pk: int) -> service.TenantUser:
    member = service.get_user(user_id=pk)
    if member is None:
        raise Http404("No such user.")
    return member


def user_list(request):
    return render(request, "messaging/users/list.html", {"users": service.list_users()})


def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = service.create_user(user=request.user, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"User {member.username} added.")
            return redirect("messaging:user-list")
    return render(request, "messaging/users/form.html", {"form": form, "member": None})


def user_edit(request, pk):
    member = _member_or_404(pk)
    initial = {"email": member.email, "role": member.role, "extensions": member.extensions}
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_user(user=request.user, member_id=member.id, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"User {member.username} saved.")
            return redirect("messaging:user-list")
    return render(request, "messaging/users/form.html", {"form": form, "member": member})


def user_delete(request, pk):
    """GET asks; POST removes the user from the tenant (refused for the last administrator)."""
    member = _member_or_404(pk)
    refusal = None
    if request.method == "POST":
        try:
            service.delete_user(user=request.user, member_id=member.id)
        except MessagingError as exc:
            refusal = exc.message
        else:
            messages.success(request, f"User {member.username} removed from this tenant.")
            return redirect("messaging:user-list")
    return render(request, "messaging/users/confirm_delete.html", {"member": member, "refusal": refusal},
                  status=409 if refusal else 200)
