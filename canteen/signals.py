"""A change to the school's reference data shows on the families' pages: their kept pages are renewed once it
commits (``portal.lib.cached_pages``). A child renamed or its tariff category changed, a guardian linked or
unlinked: that child's families; a school, a tariff or a closed period: the families of the school."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from portal.lib import cached_pages

from .models import ClosedPeriod, Establishment, Guardianship, Pupil, Tariff
from .quotient import FamilyQuotient, PayingHousehold, TariffBand, TariffGrid

# Staff validated or refused a family's QF (``quotient``): the family's app tells the parent.
quotient_decided = Signal()


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


@receiver([post_save, post_delete], sender=TariffGrid, dispatch_uid="canteen.renew_pages_of_grid")
def grid_changed(sender, instance: TariffGrid, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump(families_of_school(instance.establishment_id))


@receiver([post_save, post_delete], sender=TariffBand, dispatch_uid="canteen.renew_pages_of_band")
def band_changed(sender, instance: TariffBand, raw: bool = False, **kwargs) -> None:
    if not raw:
        schools = TariffGrid.objects.filter(pk=instance.grid_id).values("establishment_id")
        cached_pages.bump(
            Guardianship.objects.filter(pupil__establishment_id__in=schools).values_list("user_id", flat=True)
        )


@receiver([post_save, post_delete], sender=FamilyQuotient, dispatch_uid="canteen.renew_pages_of_quotient")
def quotient_changed(sender, instance: FamilyQuotient, raw: bool = False, **kwargs) -> None:
    """A QF decided changes the price of its parent's children, whom other guardians may share."""
    if not raw:
        children = Guardianship.objects.filter(user_id=instance.user_id).values("pupil_id")
        cached_pages.bump(Guardianship.objects.filter(pupil_id__in=children).values_list("user_id", flat=True))


@receiver(post_delete, sender=FamilyQuotient, dispatch_uid="canteen.delete_attestation_file")
def attestation_deleted(sender, instance: FamilyQuotient, **kwargs) -> None:
    """A declaration deleted (its parent's login deleted, or by a superuser) takes its file with it, once the
    deletion commits: no proof of income outlives its row."""
    if instance.attestation:
        storage, name = instance.attestation.storage, instance.attestation.name
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@receiver([post_save, post_delete], sender=PayingHousehold, dispatch_uid="canteen.renew_pages_of_household")
def household_changed(sender, instance: PayingHousehold, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump(Guardianship.objects.filter(pupil_id=instance.pupil_id).values_list("user_id", flat=True))
