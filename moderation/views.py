from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from . import permissions
from .models import Case


@login_required
def inbox(request):
    if not permissions.can_use_inbox(request.user):
        raise PermissionDenied
    return HttpResponse("")


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(Case, pk=pk)
    if not permissions.can_view_case(request.user, case):
        raise PermissionDenied
    return HttpResponse("")
