from django.urls import path

from messaging.views import dashboard

app_name = "messaging"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path(
        "trunks/",
        dashboard.section_placeholder(
            "Trunks", "Bandwidth IP-authentication SIP trunks and the DIDs that belong to them."
        ),
        name="trunk-list",
    ),
    path(
        "sms/",
        dashboard.section_placeholder(
            "SMS/MMS",
            "Message Channel configurations: a Bandwidth trunk, its account and messaging application, "
            "the credentials, and the webhook URL to paste into Bandwidth.",
        ),
        name="sms-configuration-list",
    ),
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
]
