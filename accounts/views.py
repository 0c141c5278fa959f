from django.shortcuts import get_object_or_404, render

from canteen.models import Establishment


def account_request(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    return render(request, "accounts/request.html", {"establishment": establishment})
