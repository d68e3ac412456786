"""VAT of a shop's delivery fee: it follows the goods' rates, pro rata of their amounts before tax."""

from decimal import Decimal

import pytest

from marketplace.checkout.pricing import LineSummary, ShopGroup, delivery_fee_by_rate, vat_included

D = Decimal


def _line(total: str, rate: str) -> LineSummary:
    amount = D(total)
    return LineSummary(
        line=None,  # type: ignore[arg-type]
        variant=None,  # type: ignore[arg-type]
        quantity=1,
        unit_price=amount,
        total=amount,
        vat_rate=D(rate),
        vat=vat_included(amount, D(rate)),
    )


def test_a_fee_on_goods_of_one_rate_takes_that_rate():
    assert delivery_fee_by_rate(D("4.90"), {D("5.50"): D("20.00")}) == {D("5.50"): D("4.90")}


def test_a_fee_on_goods_of_two_rates_is_split_pro_rata_of_their_amounts_before_tax():
    # 30.00 before tax at 5.5 %, 10.00 at 20 %: three quarters and one quarter of 6.00
    assert delivery_fee_by_rate(D("6.00"), {D("5.50"): D("30.00"), D("20.00"): D("10.00")}) == {
        D("5.50"): D("4.50"),
        D("20.00"): D("1.50"),
    }


@pytest.mark.parametrize("fee", ["0.01", "0.02", "1.00", "3.33", "9.99"])
def test_the_parts_are_never_negative_and_add_up_to_the_fee(fee):
    bases = {D("2.10"): D("0.01"), D("5.50"): D("0.01"), D("10.00"): D("0.01"), D("20.00"): D("97")}
    parts = delivery_fee_by_rate(D(fee), bases)
    assert sum(parts.values()) == D(fee)
    assert all(part >= 0 for part in parts.values())


def test_no_fee_no_parts():
    assert delivery_fee_by_rate(D("0.00"), {D("20.00"): D("10.00")}) == {}


def test_a_shops_breakdown_covers_goods_and_fee_and_adds_up_to_its_total():
    # given a grocer's basket at two rates delivered for 5.00
    group = ShopGroup(vendor=None, delivery_fee=D("5.00"))  # type: ignore[arg-type]
    group.lines = [_line("21.10", "5.50"), _line("12.00", "20.00")]

    breakdown = group.vat_breakdown()

    # 20.00 and 10.00 before tax: the fee goes 2/3 at 5.5 % (3.33) and 1/3 at 20 % (1.67)
    assert breakdown == {
        "5.50": {"base": "23.16", "vat": "1.27", "total": "24.43"},
        "20.00": {"base": "11.39", "vat": "2.28", "total": "13.67"},
    }
    assert sum(D(item["total"]) for item in breakdown.values()) == group.total
    assert sum(D(item["vat"]) for item in breakdown.values()) == group.vat
