"""The search box's suggestions with the keyboard (the WAI-ARIA combobox pattern) in Chromium:
Down and Up move the active suggestion, Enter opens it, Escape closes the list and keeps what was
typed; the mouse still opens one; without JavaScript the form still searches. axe-core passes."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.keys import Keys

from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TownFactory,
    VariantFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _database_search(settings):
    settings.SEARCH_BACKEND = "database"


@pytest.fixture
def honey_shop(db):
    """Three honeys in one shop of Bourg (the suggestions list them by name)."""
    town = TownFactory(slug="bourg", name="Bourg")
    sweets = CategoryFactory(slug="epicerie", name="Épicerie", vat_rate=Decimal("5.50"))
    grocer = VendorFactory(town=town, slug="epicerie", name="Épicerie Miel")
    for slug, name in (
        ("miel-acacia", "Miel d’acacia"),
        ("miel-chataignier", "Miel de châtaignier"),
        ("miel-lavande", "Miel de lavande"),
    ):
        product = ProductFactory(vendor=grocer, slug=slug, name=name, category=sweets)
        VariantFactory(product=product, price=Decimal("6.50"), stock=5)
    return town


def field(web):
    return web.find("#search-q")


def active_name(web):
    """The text of the suggestion the field's aria-activedescendant points to ("" for none)."""
    active = field(web).get_attribute("aria-activedescendant")
    if not active:
        return ""
    option = web.find(f"#{active}")
    assert option.get_attribute("role") == "option"
    assert option.get_attribute("aria-selected") == "true"
    return option.text


def type_and_wait_for_suggestions(web, text, count=3):
    web.open("/villes/bourg/")
    field(web).send_keys(text)
    web.wait_until(lambda _d: len(web.find_all("#search-suggestions [role=option]")) == count)
    web.wait_until(lambda _d: field(web).get_attribute("aria-expanded") == "true")


def test_arrow_keys_move_through_the_suggestions_and_enter_opens_the_active_one(web, honey_shop):
    type_and_wait_for_suggestions(web, "miel")

    box = field(web)
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-controls") == "search-suggestions-list"
    assert web.find("#search-suggestions-list").get_attribute("role") == "listbox"
    names = [o.text for o in web.find_all("#search-suggestions-list [role=option]")]
    assert sorted(names) == ["Miel de châtaignier", "Miel de lavande", "Miel d’acacia"]
    assert active_name(web) == ""
    web.wait_for_text("3 suggestions")  # said in the status region

    box.send_keys(Keys.ARROW_DOWN)
    assert active_name(web) == names[0]
    box.send_keys(Keys.ARROW_DOWN)
    assert active_name(web) == names[1]
    box.send_keys(Keys.ARROW_UP)
    assert active_name(web) == names[0]
    box.send_keys(Keys.ARROW_UP)  # from the first, Up goes round to the last
    assert active_name(web) == names[2]
    assert web.driver.switch_to.active_element == box  # the focus stays in the field
    assert box.get_attribute("value") == "miel"
    assert web.axe() == []  # with the list open and a suggestion active
    web.screenshots("customers-search-suggestions-keyboard")

    box.send_keys(Keys.ARROW_DOWN)  # round to the first again
    target = web.find(f"#{box.get_attribute('aria-activedescendant')}").get_attribute("href")
    box.send_keys(Keys.ENTER)

    web.wait_until(lambda d: d.current_url == target)
    assert web.path.startswith("/villes/bourg/commerces/epicerie/miel-")
    assert web.find("h1").text == names[0]


def test_escape_closes_the_suggestions_and_keeps_what_was_typed(web, honey_shop):
    type_and_wait_for_suggestions(web, "miel")
    box = field(web)
    box.send_keys(Keys.ARROW_DOWN)

    box.send_keys(Keys.ESCAPE)

    assert box.get_attribute("value") == "miel"
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert not web.find("#search-suggestions").is_displayed()
    assert web.axe() == []
    # Down opens the list again on its first suggestion; Enter without one searches what was typed.
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-expanded") == "true"
    assert active_name(web) != ""
    box.send_keys(Keys.ESCAPE)
    box.send_keys(Keys.ENTER)
    web.wait_until(lambda _d: web.path.startswith("/villes/bourg/recherche/"))
    assert "q=miel" in web.path


def test_a_click_on_a_suggestion_still_opens_it(web, honey_shop):
    type_and_wait_for_suggestions(web, "lavande", count=1)
    web.click("#search-suggestions-list [role=option]")

    web.wait_until(lambda _d: web.path == "/villes/bourg/commerces/epicerie/miel-lavande/")


def test_without_javascript_the_search_box_still_searches(web_nojs, honey_shop):
    web_nojs.open("/villes/bourg/")
    field(web_nojs).send_keys("lavande", Keys.ENTER)

    web_nojs.wait_until(lambda _d: web_nojs.path.startswith("/villes/bourg/recherche/"))
    assert "Miel de lavande" in web_nojs.text
