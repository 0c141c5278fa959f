from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from canteen.admin_scope import EstablishmentScoped, staff_establishments
from canteen.models import Guardianship
from portal.lib.audit import record

from . import admin_unlock  # noqa: F401  (recording who unlocks a login)
from .admin_requests import AccountRequestAdmin
from .models import AccountRequest, User

admin.site.register(AccountRequest, AccountRequestAdmin)


class GuardianshipInline(EstablishmentScoped, admin.TabularInline):
    establishment_lookup = "pupil__establishment"
    model = Guardianship
    extra = 0
    autocomplete_fields = ["pupil"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [GuardianshipInline]

    def get_queryset(self, request):
        """Staff see the parents of their establishments' pupils and their own colleagues."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        schools = staff_establishments(request).values("pk")
        return queryset.filter(
            Q(guardianships__pupil__establishment__in=schools) | Q(establishments_staffed__in=schools)
        ).distinct()

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not request.user.is_superuser and str(object_id).isdigit():
            if User.objects.filter(pk=int(object_id)).exists():
                raise PermissionDenied  # a login of another establishment
        return obj

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Guardianship:  # the login's own entry is Django's; the child's history says it too
            for link in formset.new_objects:
                record(
                    request.user, link.pupil, _("Responsable légal ajouté : %(email)s.") % {"email": link.user.email}
                )
            for link in formset.deleted_objects:
                record(
                    request.user, link.pupil, _("Responsable légal retiré : %(email)s.") % {"email": link.user.email}
                )

    def history_view(self, request, object_id, extra_context=None):
        """A parent's login may guard children at two schools: staff see the entries written by the staff
        of their own establishments only, never what another school (or a superuser, who acts for every
        school) recorded about it."""
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None)
        if request.user.is_superuser or not context or "action_list" not in context:
            return response
        page = context["action_list"]
        colleagues = User.objects.filter(establishments_staffed__in=staff_establishments(request).values("pk"))
        entries = page.paginator.object_list.filter(user__in=colleagues.values("pk"))
        paginator = Paginator(entries, page.paginator.per_page)
        kept = paginator.get_page(page.number)
        context.update(
            action_list=kept,
            page_range=paginator.get_elided_page_range(kept.number),
            pagination_required=paginator.count > paginator.per_page,
        )
        return response
