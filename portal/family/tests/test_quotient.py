"""The family's QF in "Mon profil": the attestation checked by its content and kept out of every public URL,
served to its parent and its school's staff only; the price it gives shown where the family reads prices; the
reminder before it expires, once."""

import datetime
from decimal import Decimal as D
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from canteen.quotient import FamilyQuotient, QuotientStatus
from canteen.tests.quotients import declare, make_grid, pdf_file, png_file, validated
from portal.family.models import Notification, NotificationKind
from portal.family.tasks import remind_expiring_quotients
from portal.lib.models import OutboxMessage

pytestmark = pytest.mark.django_db
URL = reverse("portal:quotient")


def form(attestation, value="450", day=None, **extra):
    day = day or (timezone.localdate() - datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    return {"value": value, "issuer": "caf", "attestation_date": day, "attestation": attestation, **extra}


def test_a_parent_declares_a_quotient_with_a_pdf_kept_outside_the_public_media(client, parent, school):
    client.force_login(parent)
    response = client.post(URL, form(pdf_file("mon attestation <script>.pdf")), follow=True)
    assert "envoyé à l&#x27;établissement" in response.content.decode()
    quotient = FamilyQuotient.objects.get()
    assert (quotient.user, quotient.establishment, quotient.value, quotient.status) == (
        parent,
        school,
        450,
        QuotientStatus.PENDING,
    )
    stored = Path(quotient.attestation.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT)) and "script" not in stored.name
    assert stored.suffix == ".pdf" and stored.read_bytes().startswith(b"%PDF-")
    assert "en attente de validation" in client.get(URL).content.decode()


def test_an_image_is_accepted_when_pillow_reads_it(client, parent):
    client.force_login(parent)
    assert client.post(URL, form(png_file("photo.PDF"))).status_code == 302
    assert FamilyQuotient.objects.get().attestation.name.endswith(".png")


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("attestation.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
            "ni un PDF",
        ),
        (SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"pas une image" * 10, "image/png"), "illisible"),
        (SimpleUploadedFile("vide.pdf", b"", "application/pdf"), "vide"),
        (SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf"), "dépasse 5 Mo"),
    ],
    ids=["html-renamed-pdf", "forged-png", "empty", "too-large"],
)
def test_a_file_that_is_not_what_it_says_is_refused(client, parent, upload, message):
    client.force_login(parent)
    response = client.post(URL, form(upload))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FamilyQuotient.objects.exists()
    assert not any(Path(settings.PRIVATE_MEDIA_ROOT).glob("attestations/*/*"))


@pytest.mark.parametrize(
    "value, day, message",
    [
        ("abc", None, "Saisissez le quotient en chiffres"),
        ("-5", None, "Saisissez le quotient en chiffres"),
        ("450,5", None, "Saisissez le quotient en chiffres"),
        ("100000", None, "ne dépasse pas 99999"),
        ("", None, "Ce champ est obligatoire"),
        ("450", "31/02/2026", "Saisissez une date valide"),
        ("450", "01/01/2099", "ne peut pas être dans le futur"),
        ("450", "01/01/2001", "plus d&#x27;un an"),
    ],
)
def test_bad_input_gets_a_french_message_and_changes_nothing(client, parent, value, day, message):
    client.force_login(parent)
    response = client.post(URL, form(pdf_file(), value=value, day=day))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FamilyQuotient.objects.exists()


def test_a_french_formatted_quotient_is_read(client, parent):
    client.force_login(parent)
    assert client.post(URL, form(pdf_file(), value="1\u202f250")).status_code == 302
    assert FamilyQuotient.objects.get().value == 1250


def test_a_second_declaration_replaces_the_one_still_pending(client, parent, django_capture_on_commit_callbacks):
    client.force_login(parent)
    client.post(URL, form(pdf_file(), value="450"))
    first = Path(FamilyQuotient.objects.get().attestation.path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, form(png_file(), value="480"))
    quotient = FamilyQuotient.objects.get()
    assert quotient.value == 480 and quotient.attestation.name.endswith(".png")
    assert not first.exists()


def test_a_login_without_children_cannot_declare(client, db):
    from accounts.models import User

    lonely = User.objects.create_user("seul@example.com", None)
    client.force_login(lonely)
    client.post(URL, form(pdf_file()))
    assert not FamilyQuotient.objects.exists()


def attestation_url(quotient):
    return reverse("portal:quotient_attestation", args=[quotient.pk])


def test_the_parent_and_the_school_s_staff_open_the_attestation(client, parent, administrator, school):
    quotient = declare(parent, school)
    for user in (parent, administrator):
        client.force_login(user)
        response = client.get(attestation_url(quotient))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_family_gets_404_and_another_school_s_staff_403(client, parent, other_parent, school):
    from conftest import _staff
    from portal.roles import ADMINISTRATION

    quotient = declare(parent, school)
    client.force_login(other_parent)
    assert client.get(attestation_url(quotient)).status_code == 404
    other = school.__class__.objects.create(
        name="Autre", code="AUTRE", contact_email="a@b.example", beneficiary="x", address="y"
    )
    client.force_login(_staff("secretariat@autre.example", ADMINISTRATION, other))
    assert client.get(attestation_url(quotient)).status_code == 403
    client.logout()
    assert client.get(attestation_url(quotient)).status_code == 302  # to the login
    assert not str(settings.MEDIA_URL).startswith("/private") and "private" not in settings.STATIC_URL


def text_of(response) -> str:
    return unescape(response.content.decode()).replace("\xa0", " ")


def test_the_situation_names_the_band_and_the_minimum_follows_the_price(client, parent, school, lea):
    make_grid(school, datetime.date(2020, 9, 2))
    validated(parent, school, 450, timezone.localdate())
    client.force_login(parent)
    page = text_of(client.get(reverse("billing:accounts")))
    assert "Le prix d'un déjeuner est actuellement de 1,00 € (tarif quotient familial 0–500)." in page
    assert "Le montant minimum à créditer est de 20,00 €." in page
    from billing.ledger import book
    from billing.models import EntryKind

    book(lea, kind=EntryKind.CASH, amount=D("5.00"), label="Espèces")
    assert "Soit : 5 repas" in text_of(client.get(reverse("portal:home")))


def test_without_a_quotient_the_situation_says_so(client, parent, school, lea):
    make_grid(school, datetime.date(2020, 9, 2))
    client.force_login(parent)
    page = text_of(client.get(reverse("billing:accounts")))
    assert "actuellement de 4,20 € (tarif sans quotient familial validé)." in page


def test_families_are_reminded_once_a_month_before_their_quotient_expires(parent, other_parent, school):
    today = timezone.localdate()
    soon = validated(parent, school, 450, today, expires_on=today + datetime.timedelta(days=20))
    validated(other_parent, school, 700, today, expires_on=today + datetime.timedelta(days=60))
    assert remind_expiring_quotients() == 1
    assert remind_expiring_quotients() == 0  # idempotent
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    notification = Notification.objects.get()
    assert (notification.user, notification.kind) == (parent, NotificationKind.QUOTIENT_EXPIRING)
    assert OutboxMessage.objects.filter(name="quotient-expiring", recipients=[parent.email]).count() == 1


def test_no_reminder_when_the_next_year_s_quotient_is_already_declared(client, parent, school):
    today = timezone.localdate()
    validated(parent, school, 450, today, expires_on=today + datetime.timedelta(days=20))
    declare(parent, school, 480)
    assert remind_expiring_quotients() == 0


def test_the_family_s_data_download_holds_its_quotient(client, parent, school):
    declare(parent, school, 450)
    client.force_login(parent)
    response = client.get(reverse("portal:export_json"))
    body = b"".join(response.streaming_content).decode()
    assert '"rubrique": "quotient_familial"' in body and '"quotient": 450' in body
