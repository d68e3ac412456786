"""Django's i18n tags, `{% translate "a constant" %}` kept per process and language.

Installed under the label `i18n` (settings.TEMPLATES' `libraries`), so `{% load i18n %}` loads
this library: every tag and filter of Django's, the same syntax and output. A customer's page
translates some 25 to 40 constant messages, the same ones on every visit, each costing the
translation machinery (the active catalogue, the lookup, escaping) about 15 µs (#11). A
constant message with no filter, in a given language and escaping, always renders the same:
the node keeps what it rendered. Anything else (a variable, a filter, `noop`, a variable
context) is rendered by Django's node each time.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.templatetags.i18n import TranslateNode
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


def _constant(expression: Any) -> bool:
    """A string literal with no filter (`"Cart"`, `'Cart'`)."""
    return (
        expression is not None
        and not expression.filters
        and isinstance(expression.var, Variable)
        and expression.var.literal is not None
    )


class KeptTranslateNode(TranslateNode):
    def __init__(self, node: TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.kept: dict[tuple[str | None, bool], str] | None = (
            {}
            if _constant(self.filter_expression)
            and (self.message_context is None or _constant(self.message_context))
            else None
        )

    def render(self, context: Any) -> str:
        if self.kept is None:
            return str(super().render(context))
        key = (translation.get_language(), bool(context.autoescape))
        value = self.kept.get(key)
        if value is None:
            asvar, self.asvar = self.asvar, None  # the value itself, whatever the form
            try:
                value = self.kept[key] = super().render(context)
            finally:
                self.asvar = asvar
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _kept(parser: Any, token: Any) -> template.Node:
    node = django_i18n.do_translate(parser, token)
    return KeptTranslateNode(node) if isinstance(node, TranslateNode) else node


register.tag("translate", _kept)
register.tag("trans", _kept)
