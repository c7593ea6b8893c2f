from django.urls import path

from messaging.views import (
    compliance,
    connection_tests,
    dashboard,
    extensions,
    inbox,
    inbox_settings,
    live,
    media,
    messages,
    opt_outs,
    rules,
    sms_configurations,
    trunks,
    usage,
    users,
)

app_name = "messaging"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("welcome/", dashboard.landing, name="landing"),
    # Inbox (extension users too: tenants/middleware.EXTENSION_USER_SCREENS)
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/new/", inbox.conversation_new, name="conversation-new"),
    path("inbox/<int:pk>/", inbox.conversation, name="conversation"),
    path("inbox/<int:pk>/reply/", inbox.conversation_reply, name="conversation-reply"),
    path("inbox/<int:pk>/media/<int:media_pk>/", inbox.conversation_media, name="conversation-media"),
    # Trunks
    path("trunks/", trunks.trunk_list, name="trunk-list"),
    path("trunks/add/", trunks.trunk_create, name="trunk-create"),
    path("trunks/<int:pk>/", trunks.trunk_edit, name="trunk-edit"),
    path("trunks/<int:pk>/delete/", trunks.trunk_delete, name="trunk-delete"),
    # Message Channel > SMS/MMS
    path("sms/", sms_configurations.configuration_list, name="sms-configuration-list"),
    path("sms/add/", sms_configurations.configuration_create, name="sms-configuration-create"),
    path("sms/<int:pk>/", sms_configurations.configuration_detail, name="sms-configuration-detail"),
    path("sms/<int:pk>/edit/", sms_configurations.configuration_edit, name="sms-configuration-edit"),
    path("sms/<int:pk>/delete/", sms_configurations.configuration_delete, name="sms-configuration-delete"),
    path(
        "sms/<int:pk>/regenerate-webhook/", sms_configurations.regenerate_webhook, name="sms-configuration-regenerate"
    ),
    path("sms/<int:pk>/test-connection/", sms_configurations.test_connection, name="sms-configuration-test"),
    path("sms/<int:pk>/tests/", connection_tests.connection_test_start, name="sms-configuration-test-message"),
    path("sms/<int:pk>/tests/<int:test_id>/", connection_tests.connection_test_report,
         name="sms-configuration-test-message-report"),
    path("sms/<int:pk>/tests/<int:test_id>/status/", connection_tests.connection_test_status,
         name="sms-configuration-test-message-status"),
    path("sms/<int:pk>/callbacks/<int:event_id>/retry/", sms_configurations.retry_callback,
         name="sms-configuration-retry-callback"),
    path(
        "sms/generate-callback-credentials/",
        sms_configurations.generate_callback_credentials,
        name="sms-configuration-generate-callback-credentials",
    ),
    # SMS rules
    path("rules/", rules.rule_list, name="rules"),
    path("rules/inbound/add/", rules.inbound_rule_create, name="inbound-rule-create"),
    path("rules/inbound/<int:pk>/", rules.inbound_rule_edit, name="inbound-rule-edit"),
    path("rules/inbound/<int:pk>/delete/", rules.inbound_rule_delete, name="inbound-rule-delete"),
    path("rules/inbound/<int:pk>/move/", rules.inbound_rule_move, name="inbound-rule-move"),
    path("rules/outbound/add/", rules.outbound_rule_create, name="outbound-rule-create"),
    path("rules/outbound/<int:pk>/", rules.outbound_rule_edit, name="outbound-rule-edit"),
    path("rules/outbound/<int:pk>/delete/", rules.outbound_rule_delete, name="outbound-rule-delete"),
    path("rules/outbound/<int:pk>/move/", rules.outbound_rule_move, name="outbound-rule-move"),
    # Extensions
    path("extensions/", extensions.extension_list, name="extension-list"),
    path("extensions/add/", extensions.extension_create, name="extension-create"),
    path("extensions/<int:pk>/", extensions.extension_edit, name="extension-edit"),
    path("extensions/<int:pk>/delete/", extensions.extension_delete, name="extension-delete"),
    path("messages/", messages.message_list, name="message-list"),
    path("messages/compose/", messages.message_compose, name="message-compose"),
    path("messages/export/", messages.message_export, name="message-export"),
    path("messages/status/", messages.message_status, name="message-status"),
    path("messages/<int:pk>/", messages.message_detail, name="message-detail"),
    # Opt-outs (compliance)
    path("opt-outs/", opt_outs.opt_out_list, name="opt-out-list"),
    path("opt-outs/add/", opt_outs.opt_out_create, name="opt-out-create"),
    path("opt-outs/import/", opt_outs.opt_out_import, name="opt-out-import"),
    path("opt-outs/<int:pk>/delete/", opt_outs.opt_out_delete, name="opt-out-delete"),
    # Users
    path("users/", users.user_list, name="user-list"),
    path("users/add/", users.user_create, name="user-create"),
    path("users/<int:pk>/", users.user_edit, name="user-edit"),
    path("users/<int:pk>/delete/", users.user_delete, name="user-delete"),
    path("audit/", dashboard.audit_log, name="audit"),
    path("compliance/", compliance.compliance, name="compliance"),
    path("compliance/numbers/", compliance.compliance_number, name="compliance-number"),
    path("usage/", usage.usage, name="usage"),
    path("usage/csv/", usage.usage_csv, name="usage-csv"),
    path("inbox/settings/", inbox_settings.inbox_settings, name="inbox-settings"),
    path("media/<int:pk>/", media.media_file, name="media"),
    path("live/", live.live, name="live"),
]
