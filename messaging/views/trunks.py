# Stub: being written (trunk screens).
from django.http import HttpResponse


def trunk_list(request):
    return HttpResponse("Trunks")


trunk_create = trunk_edit = trunk_delete = trunk_list
