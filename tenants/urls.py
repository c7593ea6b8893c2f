from django.urls import path

from tenants import usage_views, views

app_name = "tenants"

urlpatterns = [
    path("", views.home, name="home"),
    path("choose/", views.choose_tenant, name="choose"),
    path("tenants/", views.tenant_list, name="list"),
    path("tenants/add/", views.tenant_create, name="create"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="detail"),
    path("tenants/<slug:slug>/manage/", views.tenant_manage, name="manage"),
    path("tenants/<slug:slug>/enabled/", views.tenant_set_enabled, name="set-enabled"),
    path("users/<int:user_id>/active/", views.user_set_active, name="user-set-active"),
    path("audit/", views.audit_log, name="audit"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/unlock/", views.lockout_lift, name="lockout-lift"),
    path("usage/", usage_views.usage_list, name="usage"),
    path("usage/csv/", usage_views.usage_csv, name="usage-csv"),
]
