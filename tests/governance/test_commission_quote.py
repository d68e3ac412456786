"""The one service that resolves the commission of a shop order: precedence, windows, amounts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.governance.commission import commission_quote, commission_quotes
from tests.factories import CategoryFactory, TownFactory, VendorFactory
from tests.governance.factories import CommissionRuleFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world():
    town = TownFactory(slug="gov-town")
    food = CategoryFactory(slug="alimentation")
    bakery = CategoryFactory(slug="boulangerie", parent=food)
    vendor = VendorFactory(town=town, category=bakery)
    return town, food, bakery, vendor


def test_without_any_rule_the_global_default_applies(world, settings):
    _town, _food, _bakery, vendor = world
    settings.DEFAULT_COMMISSION_PERCENTAGE = D("5")

    quote = commission_quote(vendor=vendor, goods=D("33.33"), at=timezone.now())

    assert quote.rule is None
    assert quote.percentage == D("5")
    assert quote.fixed_amount == D("0.00")
    assert quote.amount == D("1.67")  # 1.6665 half-up


def test_each_precedence_level_wins_over_the_less_specific_ones(world):
    town, _food, bakery, vendor = world
    now = timezone.now()
    town_rule = CommissionRuleFactory(town=town, percentage=D("1"))
    category_rule = CommissionRuleFactory(town=town, category=bakery, percentage=D("2"))
    vendor_rule = CommissionRuleFactory(town=town, vendor=vendor, percentage=D("3"))
    both_rule = CommissionRuleFactory(town=town, vendor=vendor, category=bakery, percentage=D("4"))

    assert commission_quote(vendor=vendor, goods=D("100"), at=now).rule == both_rule
    both_rule.delete()
    assert commission_quote(vendor=vendor, goods=D("100"), at=now).rule == vendor_rule
    vendor_rule.delete()
    assert commission_quote(vendor=vendor, goods=D("100"), at=now).rule == category_rule
    category_rule.delete()
    quote = commission_quote(vendor=vendor, goods=D("100"), at=now)
    assert (quote.rule, quote.amount) == (town_rule, D("1.00"))


def test_a_rule_of_a_vendor_with_another_category_does_not_apply(world):
    town, _food, _bakery, vendor = world
    other = CategoryFactory(slug="fromagerie")
    CommissionRuleFactory(town=town, vendor=vendor, category=other, percentage=D("9"))
    town_rule = CommissionRuleFactory(town=town, percentage=D("1"))

    assert commission_quote(vendor=vendor, goods=D("10"), at=timezone.now()).rule == town_rule


def test_a_category_rule_covers_subcategories_and_the_nearest_category_wins(world):
    town, food, bakery, vendor = world
    parent_rule = CommissionRuleFactory(town=town, category=food, percentage=D("6"))

    assert commission_quote(vendor=vendor, goods=D("10"), at=timezone.now()).rule == parent_rule

    own_rule = CommissionRuleFactory(town=town, category=bakery, percentage=D("7"))
    assert commission_quote(vendor=vendor, goods=D("10"), at=timezone.now()).rule == own_rule


def test_rules_of_another_town_never_apply(world):
    _town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=TownFactory(slug="elsewhere"), percentage=D("50"))

    assert commission_quote(vendor=vendor, goods=D("10"), at=timezone.now()).rule is None


def test_the_validity_window_is_start_inclusive_and_end_exclusive(world):
    town, _food, _bakery, vendor = world
    start = timezone.now() - timedelta(days=10)
    end = start + timedelta(days=5)
    rule = CommissionRuleFactory(town=town, valid_from=start, valid_until=end)

    assert (
        commission_quote(vendor=vendor, goods=D("10"), at=start - timedelta(seconds=1)).rule is None
    )
    assert commission_quote(vendor=vendor, goods=D("10"), at=start).rule == rule
    assert (
        commission_quote(vendor=vendor, goods=D("10"), at=end - timedelta(microseconds=1)).rule
        == rule
    )
    assert commission_quote(vendor=vendor, goods=D("10"), at=end).rule is None


def test_an_ended_vendor_rule_falls_back_to_the_town_rule(world):
    town, _food, _bakery, vendor = world
    now = timezone.now()
    CommissionRuleFactory(
        town=town,
        vendor=vendor,
        percentage=D("9"),
        valid_from=now - timedelta(days=3),
        valid_until=now - timedelta(days=1),
    )
    town_rule = CommissionRuleFactory(town=town, percentage=D("2"))

    assert commission_quote(vendor=vendor, goods=D("10"), at=now).rule == town_rule
    assert commission_quote(
        vendor=vendor, goods=D("10"), at=now - timedelta(days=2)
    ).rule.percentage == D("9")


def test_percentage_and_fixed_amount_add_up_and_round_half_up_to_the_cent(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=town, percentage=D("2.5"), fixed_amount=D("0.30"))

    quote = commission_quote(vendor=vendor, goods=D("12.30"), at=timezone.now())

    # 12.30 × 2.5 % = 0.3075 ; + 0.30 = 0.6075 → 0.61
    assert (quote.percentage, quote.fixed_amount, quote.amount) == (D("2.5"), D("0.30"), D("0.61"))


def test_exact_half_cents_round_up(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=town, percentage=D("5"))

    assert commission_quote(vendor=vendor, goods=D("0.10"), at=timezone.now()).amount == D(
        "0.01"
    )  # 0.005
    assert commission_quote(vendor=vendor, goods=D("0.30"), at=timezone.now()).amount == D(
        "0.02"
    )  # 0.015


def test_a_fixed_amount_alone_is_taken_per_shop_order(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=town, percentage=D("0"), fixed_amount=D("1.50"))

    assert commission_quote(vendor=vendor, goods=D("40.00"), at=timezone.now()).amount == D("1.50")


def test_the_minimum_raises_and_the_maximum_caps_the_amount(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=town, percentage=D("10"), min_amount=D("1.00"), max_amount=D("5.00"))
    now = timezone.now()

    assert commission_quote(vendor=vendor, goods=D("4.00"), at=now).amount == D("1.00")
    assert commission_quote(vendor=vendor, goods=D("30.00"), at=now).amount == D("3.00")
    assert commission_quote(vendor=vendor, goods=D("80.00"), at=now).amount == D("5.00")


def test_the_commission_is_never_more_than_the_goods(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(
        town=town, percentage=D("10"), fixed_amount=D("2.00"), min_amount=D("3.00")
    )

    assert commission_quote(vendor=vendor, goods=D("1.20"), at=timezone.now()).amount == D("1.20")
    assert commission_quote(vendor=vendor, goods=D("0.00"), at=timezone.now()).amount == D("0.00")


def test_a_hundred_percent_rule_takes_exactly_the_goods(world):
    town, _food, _bakery, vendor = world
    CommissionRuleFactory(town=town, percentage=D("100"))

    assert commission_quote(vendor=vendor, goods=D("19.99"), at=timezone.now()).amount == D("19.99")


def test_one_checkout_quotes_all_its_shops_in_two_queries_with_each_shops_own_rule(
    world, django_assert_num_queries
):
    # given four shops of a town: one with its own rule, one in a subcategory with a category
    # rule, one without a category, and one of another town (with that town's rule)
    town, food, bakery, vendor = world
    cheese = VendorFactory(town=town, category=CategoryFactory(slug="fromagerie", parent=food))
    plain = VendorFactory(town=town, category=None)
    elsewhere_town = TownFactory(slug="ailleurs")
    elsewhere = VendorFactory(town=elsewhere_town, category=bakery)
    own = CommissionRuleFactory(town=town, vendor=vendor, percentage=D("3"))
    food_rule = CommissionRuleFactory(town=town, category=food, percentage=D("6"))
    town_rule = CommissionRuleFactory(town=town, percentage=D("1"))
    other_rule = CommissionRuleFactory(town=elsewhere_town, percentage=D("9"))
    orders = [(vendor, D("10")), (cheese, D("20")), (plain, D("30")), (elsewhere, D("40"))]
    now = timezone.now()

    # when they are quoted together
    with django_assert_num_queries(2):  # the category tree, the rules
        quotes = commission_quotes(orders=orders, at=now)

    # then each gets the rule it would get alone, and its own amount
    assert [(q.rule, q.amount) for q in quotes] == [
        (own, D("0.30")),
        (food_rule, D("1.20")),
        (town_rule, D("0.30")),
        (other_rule, D("3.60")),
    ]
    assert quotes == [commission_quote(vendor=v, goods=g, at=now) for v, g in orders]
