from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def accounts(request):
    children = request.user.pupils.select_related("establishment", "wallet").order_by("first_name")
    return render(request, "billing/accounts.html", {"children": children})
