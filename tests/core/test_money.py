"""Money has one module: its rounding policy (`marketplace/core/money.py`) and Stripe's minor
units (`payments/gateways/stripe_amounts.py`) live there and nowhere else in the source tree."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.core.money import is_whole_cents, money_round, money_round_down
from payments.gateways.stripe_amounts import (
    dispute_moved,
    from_minor,
    intent_amount_received,
    to_minor,
    transfer_amount_reversed,
)

ROOT = Path(__file__).resolve().parents[2]
MONEY = "marketplace/core/money.py"
MINOR_UNITS = "payments/gateways/stripe_amounts.py"
GATEWAYS = "payments/gateways/"

# (what, pattern, the only files where it may appear)
HOMES = [
    ("a rounding mode", re.compile(r"\bROUND_[A-Z_]+"), (MONEY, MINOR_UNITS)),
    ("a literal zero or cent", re.compile(r"""Decimal\(\s*["']0\.0(0|1|05)["']\s*\)"""), (MONEY,)),
    ("a rounding to the cent", re.compile(r"quantize\(\s*CENT"), (MONEY,)),
    ("a money constant", re.compile(r"^(ZERO|CENT|HALF_CENT)\b\s*(:[^=]+)?=", re.M), (MONEY,)),
    ("minor units", re.compile(r"\b(to_minor|from_minor)\b"), (GATEWAYS,)),
]


def _sources() -> list[tuple[str, str]]:
    files = []
    for package in ("marketplace", "vendors", "payments", "search"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append((path.relative_to(ROOT).as_posix(), path.read_text()))
    return files


def test_money_rounding_and_minor_units_live_only_in_their_home():
    # given every module of the source tree (migrations aside)
    sources = _sources()

    # when looking for money's constants, rounding and minor units outside their home
    strays = [
        f"{name}: {what} ({match.group(0)!r})"
        for name, text in sources
        for what, pattern, homes in HOMES
        if not name.startswith(homes)
        for match in pattern.finditer(text)
    ]

    # then there are none
    assert len(sources) > 100
    assert strays == []


@pytest.mark.parametrize(
    ("amount", "rounded", "down"),
    [
        ("2.675", "2.68", "2.67"),
        ("2.665", "2.67", "2.66"),
        ("0.005", "0.01", "0.00"),
        ("-2.675", "-2.68", "-2.67"),
        ("12.5", "12.50", "12.50"),
        ("7", "7.00", "7.00"),
        ("3.14159", "3.14", "3.14"),
    ],
)
def test_money_rounds_half_up_to_the_cent_and_down_when_asked(amount, rounded, down):
    assert str(money_round(Decimal(amount))) == rounded
    assert str(money_round_down(Decimal(amount))) == down


def test_whole_cents_are_finite_amounts_without_a_fraction_of_a_cent():
    assert is_whole_cents(Decimal("12.5"))
    assert is_whole_cents(Decimal("12.500"))
    assert not is_whole_cents(Decimal("12.505"))
    assert not is_whole_cents(Decimal("NaN"))
    assert not is_whole_cents(Decimal("Infinity"))


def test_stripe_minor_units_round_trip_in_cents_and_whole_units():
    assert to_minor(Decimal("12.34"), "EUR") == 1234
    assert to_minor(Decimal("0.005"), "eur") == 1
    assert from_minor(1234, "EUR") == Decimal("12.34")
    assert str(from_minor(1234, "EUR")) == "12.34"
    assert to_minor(Decimal("1500.00"), "JPY") == 1500
    assert str(from_minor(1500, "JPY")) == "1500.00"


def test_stripe_objects_amounts_are_read_as_decimals():
    assert intent_amount_received({"amount_received": 2550, "amount": 9}, "EUR") == Decimal("25.50")
    assert intent_amount_received({"amount": 2550}, "EUR") == Decimal("25.50")
    assert transfer_amount_reversed({"amount_reversed": 500}, "EUR") == Decimal("5.00")
    assert transfer_amount_reversed({}, "EUR") == Decimal("0.00")
    dispute = {
        "amount": 2000,
        "balance_transactions": [
            {"amount": -2000, "fee": 1500},
            {"amount": 2000, "fee": -1500},
        ],
    }
    assert dispute_moved(dispute, "EUR", out=True) == (Decimal("20.00"), Decimal("15.00"))
    assert dispute_moved(dispute, "EUR", out=False) == (Decimal("20.00"), Decimal("0.00"))
    assert dispute_moved({"amount": 2000}, "EUR", out=True) == (Decimal("20.00"), Decimal("0.00"))
    assert dispute_moved({"amount": 2000}, "EUR", out=False) == (Decimal("0.00"), Decimal("0.00"))
