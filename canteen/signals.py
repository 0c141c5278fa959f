"""A change to the school's reference data shows on the families' pages: their kept pages are renewed once it
commits (``portal.lib.cached_pages``). A child renamed or its tariff category changed, a guardian linked or
unlinked: that child's families; a school, a tariff or a closed period: the families of the school."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.lib import cached_pages

from .models import ClosedPeriod, Establishment, Guardianship, Pupil, Tariff


def families_of_school(establishment_id: int):
    return Guardianship.objects.filter(pupil__establishment_id=establishment_id).values_list("user_id", flat=True)


@receiver([post_save, post_delete], sender=Pupil, dispatch_uid="canteen.renew_pages_of_pupil")
def pupil_changed(sender, instance: Pupil, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump(Guardianship.objects.filter(pupil_id=instance.pk).values_list("user_id", flat=True))


@receiver([post_save, post_delete], sender=Guardianship, dispatch_uid="canteen.renew_pages_of_guardian")
def guardianship_changed(sender, instance: Guardianship, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump([instance.user_id])


@receiver([post_save, post_delete], sender=Establishment, dispatch_uid="canteen.renew_pages_of_school")
def establishment_changed(sender, instance: Establishment, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        cached_pages.bump(families_of_school(instance.pk))


@receiver([post_save, post_delete], sender=Tariff, dispatch_uid="canteen.renew_pages_of_tariff")
@receiver([post_save, post_delete], sender=ClosedPeriod, dispatch_uid="canteen.renew_pages_of_closure")
def school_calendar_changed(sender, instance: Tariff | ClosedPeriod, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump(families_of_school(instance.establishment_id))
