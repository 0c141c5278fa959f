import pytest
from django.core.management import CommandError, call_command

from canteen.models import Pupil

pytestmark = pytest.mark.django_db


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_reads_the_roster_french_excel_saves_windows_1252_with_semicolons(school, tmp_path):
    roster = "carte;nom;prenom;categorie;classe\r\n10011;Lefèvre;Zoé;Élève;CM2\r\n10012;Çelik;Anaïs;Élève;CE1\r\n"
    call_command("import_roster", "4388", write(tmp_path, roster, encoding="cp1252"))
    assert set(Pupil.objects.values_list("last_name", "first_name", "category")) == {
        ("Lefèvre", "Zoé", "Élève"),
        ("Çelik", "Anaïs", "Élève"),
    }


def test_reads_a_tab_separated_roster(school, tmp_path):
    call_command("import_roster", "4388", write(tmp_path, "carte\tnom\tprenom\n10011\tLefèvre\tZoé\n", "utf-16"))
    assert Pupil.objects.get().last_name == "Lefèvre"


def test_refuses_an_unknown_establishment(school, tmp_path):
    with pytest.raises(CommandError, match="Aucun établissement"):
        call_command("import_roster", "0000", write(tmp_path, "carte;nom;prenom\n1;A;B\n"))
    assert not Pupil.objects.exists()


def test_refuses_a_file_without_the_required_columns_and_changes_nothing(school, tmp_path):
    with pytest.raises(CommandError, match="Colonnes manquantes dans l'en-tête : prenom"):
        call_command("import_roster", "4388", write(tmp_path, "carte;nom\n1;A\n"))
    assert not Pupil.objects.exists()


def test_refuses_an_unreadable_file(school, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("import_roster", "4388", str(tmp_path / "absent.csv"))


def test_creates_updates_and_skips_with_reasons(school, lea, tmp_path, capsys):
    roster = (
        "carte;nom;prenom;categorie;classe;actif\n"
        "10001;Martin;Léa;Élève;CM2;oui\n"  # updated: class changes
        "20001;Durand;Zoé;Maternelle;MS;\n"  # created
        ";Sans;Carte;;;\n"
        "20001;Double;Ligne;;;\n"
        "20002;;Anonyme;;;\n"
        "20003;Point;Virgule;;;peut-être\n"
        "20-04;Tiret;Carte;;;\n"
    )
    call_command("import_roster", "4388", write(tmp_path, roster))
    out = capsys.readouterr().out
    assert "1 élève créé, 1 mis à jour, 0 inchangé, 5 lignes ignorées." in out
    assert "ligne 4 : n° de carte manquant." in out
    assert "ligne 5 : n° de carte 20001 déjà présent plus haut dans le fichier." in out
    assert "ligne 6 : nom : " in out
    assert "ligne 7 : valeur « actif » inconnue" in out
    assert "ligne 8 : n° de carte : Chiffres et lettres uniquement." in out
    lea.refresh_from_db()
    assert lea.class_name == "CM2"
    zoe = Pupil.objects.get(card_number="20001")
    assert (zoe.first_name, zoe.category, zoe.active) == ("Zoé", "Maternelle", True)


def test_a_second_import_of_the_same_file_changes_nothing(school, tmp_path, capsys):
    path = write(tmp_path, "carte,nom,prenom,actif\n30001,Petit,Jade,non\n")
    call_command("import_roster", "4388", path)
    call_command("import_roster", "4388", path)
    assert "0 élève créé, 0 mis à jour, 1 inchangé, 0 ligne ignorée." in capsys.readouterr().out
    assert Pupil.objects.get(card_number="30001").active is False
