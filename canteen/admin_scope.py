"""Staff see and change only the data of the establishments they work at (``Establishment.staff``).

``EstablishmentScoped`` goes first in a ModelAdmin's or an inline's bases and names the path from its
model to the establishment (``establishment_lookup``). It narrows the list, search, autocomplete and
filters, the choices of establishment and pupil fields, and answers 403 to another school's object
asked for by its URL. Superusers see every establishment.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from .models import Establishment, Pupil


def staff_establishments(request):
    return Establishment.objects.for_staff(request.user)


class EstablishmentScoped:
    establishment_lookup = "establishment"  # "" for the Establishment model itself
    # True when the lookup crosses a to-many relation (a payment split between pupils): rows are deduplicated.
    establishment_lookup_is_multiple = False

    def scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        lookup = f"{self.establishment_lookup}__in" if self.establishment_lookup else "pk__in"
        scoped = queryset.filter(**{lookup: staff_establishments(request).values("pk")})
        return scoped.distinct() if self.establishment_lookup_is_multiple else scoped

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not request.user.is_superuser:
            field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
            try:
                elsewhere = self.model._default_manager.filter(**{field.name: field.to_python(object_id)}).exists()
            except (ValidationError, ValueError, TypeError):
                elsewhere = False
            if elsewhere:  # another establishment's object: refused, not "not found"
                raise PermissionDenied
        return obj

    def get_changeform_initial_data(self, request):
        """A staff member of one establishment finds it already chosen ("Établissement créancier"…)."""
        initial = super().get_changeform_initial_data(request)
        names = [f.name for f in self.model._meta.fields if f.is_relation and f.related_model is Establishment]
        if names:
            only = list(staff_establishments(request).values_list("pk", flat=True)[:2])
            if len(only) == 1:
                for name in names:
                    initial.setdefault(name, only[0])
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Establishment:
            kwargs["queryset"] = staff_establishments(request)
        elif db_field.related_model is Pupil:
            kwargs["queryset"] = Pupil.objects.filter(establishment__in=staff_establishments(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EstablishmentListFilter(admin.RelatedFieldListFilter):
    """The usual "par établissement" filter, offering only the staff member's establishments."""

    def field_choices(self, field, request, model_admin):
        return [(e.pk, str(e)) for e in staff_establishments(request)]
