"""`{% url %}` with its answers kept (marketplace.core.templatetags.kept_urls): the same output
as Django's tag in every case, whatever was asked before."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse, set_script_prefix

from marketplace.core.templatetags.kept_urls import KeptURLNode


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_every_template_gets_it():
    assert isinstance(Template("{% url 'storefront:home' %}").nodelist[0], KeptURLNode)


def test_it_answers_as_reverse_with_arguments_keyword_arguments_and_as():
    assert render("{% url 'storefront:cart' town %}", town="bourg") == reverse(
        "storefront:cart", args=["bourg"]
    )
    assert render("{% url 'storefront:vendor' town=t vendor='epicerie' %}", t="bourg") == reverse(
        "storefront:vendor", kwargs={"town": "bourg", "vendor": "epicerie"}
    )
    assert render("{% url 'storefront:cart_line' 'bourg' 7 as u %}[{{ u }}]") == (
        f"[{reverse('storefront:cart_line', args=['bourg', 7])}]"
    )


def test_a_second_answer_is_the_first_one_and_each_argument_gets_its_own():
    first = render("{% url 'storefront:cart' town %}", town="bourg")
    assert render("{% url 'storefront:cart' town %}", town="bourg") == first
    assert render("{% url 'storefront:cart' town %}", town="rennes") == reverse(
        "storefront:cart", args=["rennes"]
    )


def test_the_script_prefix_of_the_request_counts():
    before = render("{% url 'storefront:cart' 'bourg' %}")
    set_script_prefix("/marche/")
    try:
        assert render("{% url 'storefront:cart' 'bourg' %}") == "/marche" + before
    finally:
        set_script_prefix("/")
    assert render("{% url 'storefront:cart' 'bourg' %}") == before


def test_an_unknown_name_fails_as_with_django_and_is_empty_with_as():
    with pytest.raises(NoReverseMatch):
        render("{% url 'storefront:nowhere' %}")
    assert render("{% url 'storefront:nowhere' as u %}[{{ u }}]") == "[]"
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_an_argument_that_is_not_plain_is_reversed_each_time():
    class Slug:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    slug = Slug("bourg")
    assert render("{% url 'storefront:cart' s %}", s=slug) == "/villes/bourg/panier/"
    slug.text = "rennes"  # the same object, another URL: nothing kept for it
    assert render("{% url 'storefront:cart' s %}", s=slug) == "/villes/rennes/panier/"


def _view(request):  # pragma: no cover (only reversed)
    raise AssertionError


urlpatterns = [path("autre/<str:town>/", _view, name="elsewhere")]


def test_another_url_configuration_gets_its_own_answers():
    assert render("{% url 'elsewhere' 'bourg' as u %}[{{ u }}]") == "[]"
    with override_settings(ROOT_URLCONF=__name__):
        assert render("{% url 'elsewhere' 'bourg' %}") == "/autre/bourg/"
    assert render("{% url 'elsewhere' 'bourg' as u %}[{{ u }}]") == "[]"


def test_django_own_node_is_what_it_extends():
    assert issubclass(KeptURLNode, URLNode)
