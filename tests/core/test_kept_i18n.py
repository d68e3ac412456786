"""`{% load i18n %}` loads Django's tags with constant `{% translate %}`s kept per language
(marketplace.core.templatetags.kept_i18n): the same output as Django's own tag in every case,
whatever was rendered before."""

import pytest
from django.core.checks import run_checks
from django.template import Context, Engine, Template, TemplateSyntaxError, engines
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from marketplace.core.template_backend import Templates
from marketplace.core.templatetags.kept_i18n import KeptTranslateNode

DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})  # Django's own library


def both(source: str, **context: object) -> tuple[str, str]:
    """(ours, Django's) for this template, rendered twice (the second time from what is kept)."""
    ours = Template("{% load i18n %}" + source)
    django = DJANGO.from_string("{% load i18n %}" + source)
    first = ours.render(Context(context))
    assert ours.render(Context(context)) == first
    return first, django.render(Context(context))


def test_every_template_loading_i18n_gets_it_and_keeps_only_constants():
    nodes = Template(
        '{% load i18n %}{% translate "Cart" %}{% translate name %}{% translate "Cart"|upper %}'
    ).nodelist
    kept = [node for node in nodes if isinstance(node, KeptTranslateNode)]
    assert [node.kept is not None for node in kept] == [True, False, False]
    assert isinstance(kept[0], TranslateNode)


@pytest.mark.parametrize(
    "source",
    [
        '{% translate "Cart" %}',
        "{% translate 'Log in' %}",
        '{% translate "Cart" as label %}[{{ label }}]',
        '{% translate "Order" context "noun" %}',
        '{% translate "Cart" noop %}',
        '{% translate "Cart"|upper %}',
        "{% translate name %}",
        '{% translate "100%% <b>sure</b>" %}',
        '{% autoescape off %}{% translate "a <b>" %}{% endautoescape %}',
        "{% blocktranslate count n=3 %}{{ n }} item{% plural %}{{ n }} items{% endblocktranslate %}",
        "{% get_current_language as code %}{{ code }}",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_renders_as_django_in_each_language(source: str, language: str) -> None:
    with translation.override(language):
        ours, django = both(source, name="Log in")
    assert ours == django


def test_what_was_kept_in_one_language_is_not_served_in_another():
    template = Template('{% load i18n %}{% translate "Cart" %}')
    with translation.override("fr"):
        assert template.render(Context()) == "Panier"
    with translation.override("en"):
        assert template.render(Context()) == "Cart"
    with translation.override("fr"):
        assert template.render(Context()) == "Panier"


def test_a_variable_message_follows_the_variable():
    template = Template("{% load i18n %}{% translate name %}")
    with translation.override("fr"):
        assert template.render(Context({"name": "Cart"})) == "Panier"
        assert template.render(Context({"name": "Log in"})) == "Se connecter"


def test_syntax_errors_are_django_s():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load i18n %}{% translate %}")


def test_the_replaced_i18n_library_raises_no_check_warning_and_another_duplicate_still_does():
    assert [m for m in run_checks(tags=["templates"]) if m.id == "templates.W003"] == []
    other = Templates(
        {
            "NAME": "other",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"libraries": {"static": "marketplace.core.templatetags.kept_i18n"}},
        }
    )
    warnings = other.check()
    assert [w.id for w in warnings] == ["templates.W003"]
    assert "'static'" in warnings[0].msg
    assert isinstance(engines["django"], Templates)
