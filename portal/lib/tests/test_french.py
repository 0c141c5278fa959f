"""A school's name in a French sentence takes its article: "Réponse de l'École…", "au Collège…"."""

import doctest

import pytest
from django.template import Context, Template
from django.utils.translation import override

from portal.lib import french


@pytest.mark.parametrize(
    ("name", "of", "to"),
    [
        ("École élémentaire d'Esvres", "de l'École élémentaire d'Esvres", "à l'École élémentaire d'Esvres"),
        ("Collège Jean Moulin", "du Collège Jean Moulin", "au Collège Jean Moulin"),
        ("Lycée Balzac", "du Lycée Balzac", "au Lycée Balzac"),
        ("Cité scolaire Descartes", "de la Cité scolaire Descartes", "à la Cité scolaire Descartes"),
        ("Institution Sainte-Marie", "de l'Institution Sainte-Marie", "à l'Institution Sainte-Marie"),
        ("Saint-Joseph", "de Saint-Joseph", "à Saint-Joseph"),
        ("Ecole sans accent", "de l'Ecole sans accent", "à l'Ecole sans accent"),
    ],
)
def test_the_preposition_and_article_follow_the_first_word(name, of, to):
    assert french.of_name(name) == of
    assert french.to_name(name) == to


def test_the_docstring_examples_hold():
    assert doctest.testmod(french).failed == 0


def test_in_english_the_filters_give_the_bare_name():
    template = Template("{% load french %}{{ name|of_name }} / {{ name|to_name }}")
    context = Context({"name": "École d'Esvres"})
    with override("fr"):
        assert template.render(context) == "de l&#x27;École d&#x27;Esvres / à l&#x27;École d&#x27;Esvres"
    with override("en"):
        assert template.render(context) == "École d&#x27;Esvres / École d&#x27;Esvres"
