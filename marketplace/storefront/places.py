"""Where "near me" is when the browser gives no position: a postcode or a town typed by the user,
looked up in the town's own shop addresses (no external geocoder is reachable)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Avg

from marketplace.towns.models import Town
from search.query import fold
from vendors.models import Vendor, VendorStatus


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


def place_lookup(*, town: Town, text: str) -> Place | None:
    """The centre of the town's shops at that postcode or in that city; the town's centre for the
    town's own name; None when nothing matches."""
    text = text.strip()
    if not text:
        return None
    shops = Vendor.objects.filter(
        town=town, status=VendorStatus.APPROVED, latitude__isnull=False, longitude__isnull=False
    )
    if text.replace(" ", "").isdigit():
        point = shops.filter(postal_code=text.replace(" ", "")).aggregate(
            lat=Avg("latitude"), lon=Avg("longitude")
        )
        if point["lat"] is not None:
            return Place(point["lat"], point["lon"])
    else:
        wanted = fold(text)
        points = [
            (lat, lon)
            for city, lat, lon in shops.values_list("city", "latitude", "longitude")
            if fold(city) == wanted and lat is not None and lon is not None
        ]
        if points:
            return Place(
                sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
            )
    if fold(text) == fold(town.name):
        return Place(town.center_latitude, town.center_longitude)
    return None


def town_postcode(*, town: Town) -> str | None:
    """The town's own postcode, from its shops' addresses: the most common one (the lowest of
    a tie) of the approved shops whose city is the town; None when no shop is in the town."""
    wanted = fold(town.name)
    codes = Counter(
        code.strip()
        for code, city in Vendor.objects.filter(town=town, status=VendorStatus.APPROVED)
        .values_list("postal_code", "city")
        .order_by()
        if code and code.strip() and fold(city) == wanted
    )
    return min(codes, key=lambda code: (-codes[code], code)) if codes else None
