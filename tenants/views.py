"""Public pages: home, tenant choice, the Tenants screens (system administrators), the audit log and the
sign-in lock-outs."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal import lockout
from portal.client_ip import client_ip
from portal.exceptions import PortalError
from portal.forms import show_service_error
from tenants import services, time_zones
from tenants.access import is_system_admin, list_enterable_tenants
from tenants.exceptions import TenantInvalid
from tenants.forms import TenantAdminForm, TenantCreateForm
from tenants.middleware import note_tenant_entry
from tenants.models import Membership, Tenant, TenantEntry

PAGE_SIZE = 50


def system_admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_system_admin(request.user):
            raise PermissionDenied("Only system administrators may see this page.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def system_admin_only(view):
    """For pages whose very existence is the system administrators' business: anyone else, signed in or not,
    gets 404."""

    def wrapped(request, *args, **kwargs):
        if not is_system_admin(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@login_required
def home(request):
    if is_system_admin(request.user):
        return redirect("tenants:list")
    tenants = list(list_enterable_tenants(request.user)[:2])
    if len(tenants) == 1:
        return redirect(tenants[0].url)
    return redirect("tenants:choose")


@login_required
def choose_tenant(request):
    tenants = list_enterable_tenants(request.user)
    return render(request, "tenants/choose.html", {"tenants": tenants})


def _tenant_or_404(slug: str) -> Tenant:
    return get_object_or_404(Tenant.objects.customers(), slug=slug)


@system_admin_required
def tenant_list(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL text holds no NUL
    tenants = Tenant.objects.customers().order_by("name", "pk")
    if query:
        tenants = tenants.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    page = Paginator(tenants, PAGE_SIZE).get_page(request.GET.get("page"))
    # Administrators counted for the page's tenants only: counting them in the page's query grouped every
    # tenant of the database before the page was cut out of it (10,000 rows for 50 shown).
    page.object_list = list(page.object_list)
    admins = dict(
        Membership.objects.filter(tenant__in=[tenant.pk for tenant in page.object_list],
                                  role=Membership.Role.ADMIN, user__is_active=True)
        .values_list("tenant").annotate(count=Count("pk")).values_list("tenant", "count")
    )
    for tenant in page.object_list:
        tenant.admin_count = admins.get(tenant.pk, 0)
    return render(request, "tenants/list.html", {"page": page, "query": query})


@system_admin_required
def tenant_create(request):
    form = TenantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.create_tenant(**form.cleaned_data)
        except TenantInvalid as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Tenant “{tenant.name}” created.")
            return redirect("tenants:detail", slug=tenant.slug)
    return render(request, "tenants/create.html", {"form": form})


@system_admin_required
def tenant_detail(request, slug):
    tenant = _tenant_or_404(slug)
    form = TenantAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.add_tenant_admin(tenant=tenant, **form.cleaned_data)
        except TenantInvalid as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"{user.username} is now an administrator of {tenant.name}.")
            return redirect("tenants:detail", slug=tenant.slug)
    memberships = Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN).select_related("user")
    memberships = memberships.order_by("user__username")
    entries = TenantEntry.objects.filter(tenant=tenant).select_related("user")[:10]
    # The tenant's times in its own zone, as when managing it, unless the administrator chose their own.
    with timezone.override(time_zones.zone_for(user=request.user, tenant=tenant)):
        return render(
            request, "tenants/detail.html",
            {"tenant": tenant, "form": form, "memberships": memberships, "entries": entries},
        )


@system_admin_required
@require_POST
def tenant_manage(request, slug):
    tenant = _tenant_or_404(slug)
    note_tenant_entry(request, tenant, via=TenantEntry.Via.MANAGE)
    return redirect(tenant.url)


@system_admin_required
@require_POST
def tenant_set_enabled(request, slug):
    tenant = _tenant_or_404(slug)
    enabled = request.POST.get("enabled") == "1"
    services.set_tenant_enabled(tenant=tenant, enabled=enabled)
    messages.success(request, f"Tenant “{tenant.name}” {'enabled' if enabled else 'disabled'}.")
    return redirect(request.POST.get("next") or "tenants:list")


@system_admin_required
@require_POST
def user_set_active(request, user_id):
    user = get_object_or_404(get_user_model(), pk=user_id)
    if user == request.user:
        raise Http404("You cannot deactivate yourself.")
    active = request.POST.get("active") == "1"
    services.set_user_active(user=user, active=active)
    messages.success(request, f"{user.username} {'reactivated' if active else 'deactivated'}.")
    return redirect(request.POST.get("next") or "tenants:list")


@system_admin_required
def audit_log(request):
    entries = TenantEntry.objects.select_related("user", "tenant")
    tenant_slug = request.GET.get("tenant", "").replace("\x00", "").strip()[:100]
    if tenant_slug:
        entries = entries.filter(tenant__slug=tenant_slug)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenants/audit.html", {"page": page, "tenant_slug": tenant_slug})


@system_admin_only
def lockout_list(request):
    """Usernames and addresses locked out of sign-in now, each with an Unlock button."""
    return render(request, "tenants/lockouts.html", {
        "lockouts": lockout.list_lockouts(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    })


@system_admin_only
@require_POST
def lockout_lift(request):
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    try:
        lockout.lift_lockout(kind=kind, value=value, by=request.user, from_address=client_ip(request))
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Unlocked {kind} {value.strip()}: it may sign in again.")
    return redirect("tenants:lockouts")
