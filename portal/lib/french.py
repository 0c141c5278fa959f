"""A school's name inside a French sentence, with its article: "Réponse de l'École élémentaire d'Esvres",
"Votre message est envoyé au Collège Jean Moulin". A name is stored as people write it on the gate ("École
élémentaire d'Esvres", "Collège Jean Moulin"), so the preposition and the article depend on its first word.
Other languages put the bare name in their own sentence (their translation uses ``%(school)s``).

>>> of_name("École élémentaire d'Esvres")
"de l'École élémentaire d'Esvres"
>>> of_name("Collège Jean Moulin")
'du Collège Jean Moulin'
>>> to_name("Cité scolaire Balzac")
'à la Cité scolaire Balzac'
>>> to_name("Saint-Joseph")
'à Saint-Joseph'
"""

from __future__ import annotations

# First words that take an article, by gender; any other name ("Saint-Joseph", "Les Tilleuls") stands alone.
MASCULINE = {"collège", "college", "lycée", "lycee", "groupe", "pôle", "restaurant", "self", "centre", "site"}
FEMININE = {"cité", "cite", "cantine", "maison", "résidence", "residence", "cuisine"}
VOWEL_NOUNS = {"école", "ecole", "établissement", "etablissement", "institution", "institut", "ensemble", "internat"}


def _first_word(name: str) -> str:
    return name.strip().split(" ", 1)[0].split("-", 1)[0].lower() if name.strip() else ""


def _article(name: str) -> str:
    word = _first_word(name)
    if word in VOWEL_NOUNS:
        return "l'"
    if word in MASCULINE:
        return "le "
    if word in FEMININE:
        return "la "
    return ""


def of_name(name: str) -> str:
    """ "de" and the name, with its article contracted as French does ("du", "de l'", "de la")."""
    article = _article(name)
    return {"le ": "du ", "": "de "}.get(article, "de " + article) + name.strip()


def to_name(name: str) -> str:
    """ "à" and the name ("au", "à l'", "à la")."""
    article = _article(name)
    return {"le ": "au ", "": "à "}.get(article, "à " + article) + name.strip()
