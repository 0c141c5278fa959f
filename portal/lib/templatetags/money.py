"""Template filters for French amounts: ``{{ balance|euros }}``, ``{{ entry.amount|signed }}``."""

from django import template

from portal.lib import money

register = template.Library()
register.filter("euros", money.euros)
register.filter("signed", money.signed)
