from decimal import Decimal as D

from django.utils import translation

from portal.lib.money import euros, signed


def test_french_formatting_of_amounts():
    with translation.override("fr"):
        assert euros(D("18.4")) == "18,40\u00a0€"
        assert euros(D("1234.5")) == "1\u00a0234,50\u00a0€"
        assert signed(D("-3.50")) == "-3,50"
        assert signed(D("20")) == "+20,00"
        assert signed(D("0")) == "0,00"
