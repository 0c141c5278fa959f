from .establishments import current_establishment


def establishment(request):
    return {"establishment": current_establishment(request)}
