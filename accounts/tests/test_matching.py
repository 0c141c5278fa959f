from __future__ import annotations

import pytest

from accounts.matching import name_tokens, suggested_pupils, sure_match, why_not_sure
from canteen.models import Pupil

pytestmark = pytest.mark.django_db


def pupil(school, last, first, card, **fields) -> Pupil:
    return Pupil.objects.create(establishment=school, last_name=last, first_name=first, card_number=card, **fields)


def test_names_are_compared_without_accents_case_or_hyphens():
    assert name_tokens("Lefèvre-Dupont") == name_tokens(" LEFEVRE  dupont ") == ("lefevre", "dupont")
    assert name_tokens("Éloïse") == name_tokens("eloise")


def test_no_pupil_matches_a_stranger(school, lea, make_request):
    request = make_request(last_name="Inconnu", first_name="Personne")
    assert suggested_pupils(request) == []
    assert sure_match(request) is None


def test_a_pupil_of_another_establishment_is_never_suggested(school, make_request):
    from canteen.models import Establishment

    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="a@b.fr", beneficiary="x", address="y"
    )
    pupil(other, "Martin", "Léa", "55555")
    assert suggested_pupils(make_request()) == []


def test_an_inactive_pupil_is_not_suggested(school, make_request):
    pupil(school, "Martin", "Léa", "10001", active=False)
    assert suggested_pupils(make_request()) == []


def test_accents_case_and_hyphens_still_match(school, make_request):
    expected = pupil(school, "Lefèvre-Dupont", "Éloïse", "20001")
    request = make_request(last_name="LEFEVRE DUPONT", first_name="eloise", card_digits="20001")
    assert sure_match(request) == expected


def test_a_double_first_name_matches_its_first_part_and_the_hyphenless_spelling(school, make_request):
    expected = pupil(school, "Durand", "Marie-Claire", "20002")
    assert sure_match(make_request(last_name="Durand", first_name="marie claire", card_digits="20002")) == expected
    assert (
        sure_match(make_request(last_name="Durand", first_name="Marie", email="b@example.com", card_digits="20002"))
        == expected
    )


def test_a_different_first_name_sharing_no_prefix_does_not_match(school, make_request):
    pupil(school, "Durand", "Marie-Claire", "20002")
    assert suggested_pupils(make_request(last_name="Durand", first_name="Claire")) == []


def test_several_matches_are_all_suggested_and_none_is_sure(school, make_request):
    twins = [pupil(school, "Martin", "Léa", "30001"), pupil(school, "Martin", "Lea", "30002")]
    request = make_request()
    assert set(suggested_pupils(request)) == set(twins)
    assert sure_match(request) is None


def test_card_digits_break_the_tie_between_namesakes(school, make_request):
    pupil(school, "Martin", "Léa", "0000030001")
    mine = pupil(school, "Martin", "Léa", "0000030002")
    request = make_request(card_digits="30002")
    assert suggested_pupils(request) == [mine]
    assert sure_match(request) == mine


def test_a_single_name_match_with_other_card_digits_is_suggested_but_not_sure(school, lea, make_request):
    request = make_request(card_digits="99999")
    assert suggested_pupils(request) == [lea]
    assert sure_match(request) is None


def test_a_match_on_names_alone_is_suggested_but_never_sure(school, chloe, make_request):
    request = make_request(last_name="bernard", first_name="chloe", email="inconnu@example.com")
    assert suggested_pupils(request) == [chloe]
    assert sure_match(request) is None
    assert why_not_sure(request) == "aucun numéro de carte : l'identité du demandeur est à vérifier"


def test_the_card_digits_and_the_names_make_a_sure_match(school, chloe, make_request):
    request = make_request(last_name="Bernard", first_name="Chloé", card_digits="10003")
    assert sure_match(request) == chloe and why_not_sure(request) == ""


def test_the_right_card_digits_with_another_child_s_names_are_not_sure(school, lea, chloe, make_request):
    request = make_request(last_name="Bernard", first_name="Chloé", card_digits="10001")  # Léa's card
    assert sure_match(request) is None
    assert why_not_sure(request) == "les chiffres de carte donnés ne sont pas ceux de l'élève"
