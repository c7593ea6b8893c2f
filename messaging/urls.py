from django.urls import path

from messaging.views import dashboard, media, sms_configurations, trunks

app_name = "messaging"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
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
    path("sms/<int:pk>/regenerate-webhook/", sms_configurations.regenerate_webhook, name="sms-configuration-regenerate"),
    path("sms/<int:pk>/test-connection/", sms_configurations.test_connection, name="sms-configuration-test"),
    path(
        "sms/generate-callback-credentials/",
        sms_configurations.generate_callback_credentials,
        name="sms-configuration-generate-callback-credentials",
    ),
    # Sections still to come
    path(
        "rules/",
        dashboard.section_placeholder(
            "SMS rules", "Inbound rules (which DID goes to which extension) and outbound rules "
            "(which extensions may send where, through which configuration and from which number).",
        ),
        name="rules",
    ),
    path(
        "extensions/",
        dashboard.section_placeholder("Extensions", "Extensions, their own DIDs and their right to send SMS/MMS."),
        name="extension-list",
    ),
    path(
        "messages/",
        dashboard.section_placeholder(
            "Messages", "Every message sent and received, with its status, filters and the compose form."
        ),
        name="message-list",
    ),
    path("audit/", dashboard.audit_log, name="audit"),
    path("media/<int:pk>/", media.media_file, name="media"),
]
