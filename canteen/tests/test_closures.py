"""Closed days entered or imported by staff in the admin, read whole or not at all."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from canteen.closures import ImportError_, parse_closures
from canteen.models import ClosedPeriod, closed_days_of

pytestmark = pytest.mark.django_db
URL = reverse("admin:canteen_closedperiod_import")


def upload(client, school, text: str, name="fermetures.csv", encoding="utf-8"):
    data = text.encode(encoding)
    return client.post(URL, {"establishment": school.pk, "file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize(
    "text, error",
    [
        ("debut;fin\n31/02/2026;\n", "ligne 2 : date de début invalide"),
        ("debut;fin\n10/03/2026;09/03/2026\n", "ligne 2 : la fin est avant le début."),
        ("debut;fin\n01/01/2026;01/06/2027\n", "une fermeture dure au plus un an"),
        ("date;libelle\n01/01/2026;x\n", "La colonne « debut » manque"),
        ("debut;fin;libelle\n", "aucune fermeture"),
    ],
)
def test_bad_files_are_refused_with_the_line_and_the_reason(text, error):
    with pytest.raises(ImportError_) as raised:
        parse_closures(text.encode())
    assert error in " ".join(raised.value.errors)


def test_a_workbook_rather_than_its_csv_or_a_file_too_big_is_refused():
    with pytest.raises(ImportError_) as raised:
        parse_closures(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100)  # an .xlsx
    assert "Ce fichier n'est pas un CSV" in raised.value.errors[0]
    with pytest.raises(ImportError_):
        parse_closures(b"debut\n" + b"01/01/2026\n" * 30_000)


def test_one_bad_line_imports_nothing(client, school, administrator):
    client.force_login(administrator)
    response = upload(client, school, "debut;fin;libelle\n21/12/2026;03/01/2027;Noël\nhier;;Pont\n")
    assert response.status_code == 400
    assert "ligne 3 : date de début invalide" in unescape(response.content.decode())
    assert not ClosedPeriod.objects.exists()


def test_staff_import_periods_and_single_days_and_again_adds_nothing(client, school, administrator):
    client.force_login(administrator)
    text = "debut;fin;libelle\n21/12/2026;03/01/2027;Vacances de Noël\n2027-05-14;;Pont de l'Ascension\n"
    response = upload(client, school, text)
    assert response.status_code == 302
    assert list(ClosedPeriod.objects.values_list("start", "end", "label")) == [
        (datetime.date(2026, 12, 21), datetime.date(2027, 1, 3), "Vacances de Noël"),
        (datetime.date(2027, 5, 14), datetime.date(2027, 5, 14), "Pont de l'Ascension"),
    ]
    upload(client, school, text)
    assert ClosedPeriod.objects.count() == 2
    days = closed_days_of([school.pk], datetime.date(2027, 1, 1), datetime.date(2027, 5, 31))[school.pk]
    assert days == {datetime.date(2027, 1, d) for d in (1, 2, 3)} | {datetime.date(2027, 5, 14)}


# What French Excel and LibreOffice save: (text as typed, encoding, separator).
SAVED_BY_SPREADSHEETS = {
    "Excel, CSV (séparateur : point-virgule), Windows-1252": ("cp1252", ";", "\r\n"),
    "Excel, CSV UTF-8 (with a byte order mark)": ("utf-8-sig", ";", "\r\n"),
    "Excel, Texte Unicode (UTF-16, tabs)": ("utf-16", "\t", "\r\n"),
    "LibreOffice, UTF-8, commas": ("utf-8", ",", "\n"),
    "LibreOffice, Europe occidentale (ISO-8859-1), commas": ("latin-1", ",", "\n"),
}


@pytest.mark.parametrize("encoding, separator, newline", SAVED_BY_SPREADSHEETS.values(), ids=SAVED_BY_SPREADSHEETS)
def test_closures_saved_by_french_spreadsheets_are_read_with_their_accents(
    client, school, administrator, encoding, separator, newline
):
    client.force_login(administrator)
    rows = [["debut", "fin", "libelle"], ["21/12/2026", "03/01/2027", "Vacances de Noël"], ["11/11/2026", "", "Fête"]]
    text = newline.join(separator.join(row) for row in rows) + newline
    response = upload(client, school, text, encoding=encoding)
    assert response.status_code == 302, unescape(response.content.decode())
    assert set(ClosedPeriod.objects.values_list("start", "label")) == {
        (datetime.date(2026, 12, 21), "Vacances de Noël"),
        (datetime.date(2026, 11, 11), "Fête"),
    }


def test_the_cashier_cannot_import_closures(client, school, cashier):
    client.force_login(cashier)
    assert client.get(URL).status_code == 403
    assert upload(client, school, "debut\n01/01/2027\n").status_code == 403
    assert not ClosedPeriod.objects.exists()


def test_the_changelist_offers_the_import(client, school, administrator):
    client.force_login(administrator)
    html = client.get(reverse("admin:canteen_closedperiod_changelist")).content.decode()
    assert URL in html
