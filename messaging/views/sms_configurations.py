# Stub: being written.
from django.http import HttpResponse


def configuration_list(request, pk=None):
    return HttpResponse("SMS")


configuration_create = configuration_detail = configuration_edit = configuration_delete = configuration_list
regenerate_webhook = test_connection = generate_callback_credentials = configuration_list
