"""`{% url %}` as Django's, its answers kept per process (a template builtin: settings.TEMPLATES).

Reversing a URL costs some 40 µs of Python (the resolver tries each pattern's candidates, then
quotes the result); a customer's page reverses 15 to 25, the same ones on every visit: about a
quarter of the cart page's rendering (#11). The same name, arguments, current application,
script prefix and URL configuration always give the same URL, so each answer is kept (a bounded
LRU). Only plain arguments (strings, integers) are kept: anything else (a model instance, a lazy string)
is reversed each time, exactly as Django does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Distinct URLs kept per process (a few hundred bytes each): a town's shops and products, cart lines.
KEPT_URLS = 20_000


@lru_cache(maxsize=KEPT_URLS)
def _reversed(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    _script_prefix: str,
    _urlconf: Any,
    _root_urlconf: str,
) -> str:
    """`reverse`'s answer; the arguments after `current_app` are only part of the key."""
    return reverse(view_name, args=list(args), kwargs=dict(kwargs), current_app=current_app)


def _plain(value: Any) -> bool:
    return isinstance(value, str | int)  # a SafeString too (a literal); never a lazy string


class KeptURLNode(URLNode):
    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (_plain(view_name) and all(_plain(v) for v in (*args, *kwargs.values()))):
            rendered: str = super().render(context)
            return rendered
        try:  # as Django's URLNode finds the current application
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        try:
            url = _reversed(
                view_name,
                tuple(args),
                tuple(sorted(kwargs.items())),
                current_app,
                get_script_prefix(),
                get_urlconf(),
                settings.ROOT_URLCONF,
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Any, token: Any) -> KeptURLNode:
    """Django's `{% url %}` (same syntax, same output), its answers kept."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
