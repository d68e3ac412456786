"""Whether a shop is open at a given moment, from its opening hours."""

from datetime import datetime

from vendors.opening_hours import opening_hours_open_at

HOURS = {"mon": "09:00-12:00,14:00-19:00", "tue": None, "sun": ""}


def test_a_shop_is_open_inside_a_range_and_closed_at_its_end():
    monday = datetime(2026, 12, 7, 9, 0)

    assert opening_hours_open_at(opening_hours=HOURS, at=monday)
    assert opening_hours_open_at(opening_hours=HOURS, at=monday.replace(hour=18, minute=59))
    assert not opening_hours_open_at(opening_hours=HOURS, at=monday.replace(hour=12))
    assert not opening_hours_open_at(opening_hours=HOURS, at=monday.replace(hour=19))


def test_a_day_without_hours_is_closed():
    assert not opening_hours_open_at(opening_hours=HOURS, at=datetime(2026, 12, 8, 10, 0))
    assert not opening_hours_open_at(opening_hours=HOURS, at=datetime(2026, 12, 13, 10, 0))
    assert not opening_hours_open_at(opening_hours={}, at=datetime(2026, 12, 7, 10, 0))
