"""The admin's name: staff see "OpenSelf — Administration" and their establishment, never "Django"."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("OpenSelf — Administration")
admin.site.site_title = _("OpenSelf — Administration")
admin.site.index_title = _("Tableau de bord")
