"""Server-rendered pages for browsing: towns, a town's home, search (with suggestions), a shop, a
product. They read through the models and the search service; buying is in `cart_views`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.catalog.models import Category
from marketplace.checkout.lines import buyable_quantities, line_quantity_max
from marketplace.core.collation import FrenchOrder
from marketplace.core.compiled import Slot, Slots, compiled_query
from marketplace.core.page_cache import shop_version_key, town_version_key
from marketplace.storefront.cart import cart_count
from marketplace.storefront.forms import AddToCartForm
from marketplace.storefront.fragments import cached_fragment, cached_value, digest
from marketplace.storefront.places import place_lookup, town_postcode
from marketplace.storefront.templatetags.money import money
from marketplace.towns.models import Town
from search.query import Near, SearchUnavailable, SortBy
from search.searching import products_search
from vendors.models import FulfilmentMethod, Product, Variant, Vendor, VendorStatus
from vendors.opening_hours import DAY_NAMES, DAYS, opening_hours_open_at
from vendors.stock import available_quantities, vendor_available_quantities

PAGE_SIZE = 24
SUGGESTIONS = 6
NEAR_RADIUS_KM = 30.0
SORTS = {
    "relevance": SortBy.RELEVANCE,
    "price_asc": SortBy.PRICE_ASC,
    "price_desc": SortBy.PRICE_DESC,
    "distance": SortBy.DISTANCE,
}


def home(request: HttpRequest) -> HttpResponse:
    towns = Town.objects.annotate(
        shop_count=Count("vendors", filter=Q(vendors__status=VendorStatus.APPROVED))
    ).order_by(FrenchOrder("name"))
    return render(request, "storefront/home.html", {"towns": towns})


# A town's row is read by every page and written almost never (load_towns, the admin): each
# process keeps it this long, as the page fragments bound what a write outside the services leaves.
TOWN_SECONDS = 60


def town_of(slug: str) -> Town:
    local = caches["local"]
    town: Town | None = local.get(f"town:{slug}")
    if town is None:
        town = get_object_or_404(Town, slug=slug)
        local.set(f"town:{slug}", town, TOWN_SECONDS)
    return town


def town_now(town: Town) -> Any:
    return timezone.localtime(timezone.now(), town_timezone(town))


def town_timezone(town: Town) -> ZoneInfo:
    return ZoneInfo(town.timezone or "Europe/Paris")


def town_context(request: HttpRequest, town: Town, **extra: Any) -> dict[str, Any]:
    return {"town": town, "cart_count": cart_count(request, town), **extra}


# Cached fragments: the town's categories and shops (their "open now" keyed by the minute), a
# shop's facts and products (keyed by its free stock). Versions renewed by every catalogue write;
# the timeouts only bound what a write outside the services (the admin) could leave behind.
TOWN_FRAGMENT_SECONDS = 120
SHOP_FRAGMENT_SECONDS = 600


def town_detail(request: HttpRequest, town: str) -> HttpResponse:
    current = town_of(town)
    now = town_now(current)
    shops_html = cached_fragment(
        name="town-shops",
        version_key=town_version_key(town_id=current.pk),
        parts=(current.pk, now.strftime("%Y%m%d%H%M")),
        timeout=TOWN_FRAGMENT_SECONDS,
        render=lambda: _town_shops(current, now),
    )
    return render(
        request,
        "storefront/town.html",
        town_context(request, current, shops_html=shops_html, **_near_form(request, current)),
    )


def _town_shops(current: Town, now: Any) -> str:
    shops = list(
        Vendor.objects.filter(town=current, status=VendorStatus.APPROVED)
        .select_related("category")
        .order_by(FrenchOrder("name"))
    )
    for shop in shops:
        shop.open_now = opening_hours_open_at(opening_hours=shop.opening_hours, at=now)  # type: ignore[attr-defined]
    categories = (
        Category.objects.filter(
            products__vendor__town=current,
            products__vendor__status=VendorStatus.APPROVED,
            products__is_published=True,
        )
        .annotate(product_count=Count("products"))
        .order_by(FrenchOrder("name"))
    )
    return render_to_string(
        "storefront/_town_shops.html", {"town": current, "shops": shops, "categories": categories}
    )


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("storefront/favicon.svg"), permanent=True)


def legacy_redirect(request: HttpRequest, name: str, **kwargs: Any) -> HttpResponse:
    """The first English paths (/towns/…) move to the French ones, query string kept."""
    target = reverse(f"storefront:{name}", kwargs=kwargs)
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    return redirect(target, permanent=True)


@dataclass
class Link:
    label: str
    url: str
    count: int | None = None
    selected: bool = False


def _params(request: HttpRequest) -> dict[str, str]:
    keep = ("q", "category", "shop", "price", "in_stock", "sort", "near")
    return {k: request.GET[k] for k in keep if request.GET.get(k)}


def _url(params: dict[str, str], **changes: str | None) -> str:
    merged = {**params, **changes}
    merged.pop("page", None) if "page" not in changes else None
    return "?" + urlencode({k: v for k, v in merged.items() if v})


def _price_range(value: str) -> tuple[Decimal | None, Decimal | None]:
    low, _sep, high = value.partition("-")
    try:
        return (Decimal(low) if low else None, Decimal(high) if high else None)
    except InvalidOperation:
        return (None, None)


NEAR = "near"  # session: {town slug: [latitude, longitude]}, kept out of URLs and logs
NEAR_WHERE = "near_where"  # session: {town slug: the place last typed}, shown again in the form


def _near_form(request: HttpRequest, town: Town) -> dict[str, Any]:
    """The "near me" form's context: the place the visitor last typed, and an example of the
    town's own (its postcode from its shops' addresses, kept with the town's version; else
    its name, which place_lookup knows too)."""
    postcode = cached_value(
        name="town-postcode",
        version_key=town_version_key(town_id=town.pk),
        parts=(town.pk,),
        timeout=TOWN_FRAGMENT_SECONDS,
        compute=lambda: town_postcode(town=town),
    )
    return {
        "near_where": dict(request.session.get(NEAR_WHERE, {})).get(town.slug, ""),
        "near_example": postcode or town.name,
    }


def _near(request: HttpRequest, town: Town) -> Near | None:
    """The point "near me" stored in the session by near_me, when the search asks for it."""
    point = dict(request.session.get(NEAR, {})).get(town.slug)
    if request.GET.get("near") != "1" or not point:
        return None
    return Near(latitude=point[0], longitude=point[1], radius_km=NEAR_RADIUS_KM)


@require_POST
def near_me(request: HttpRequest, town: str) -> HttpResponse:
    """Keeps the browser's position (or the place typed) in the session, then searches around
    it: a person's position never goes in a URL."""
    current = town_of(town)
    query = str(request.POST.get("q", ""))[:200]
    target = reverse("storefront:search", kwargs={"town": current.slug})
    point: tuple[float, float] | None = None
    where = str(request.POST.get("where", "")).strip()[:100]  # (emptied when the browser locates)
    typed = dict(request.session.get(NEAR_WHERE, {}))
    typed[current.slug] = where
    request.session[NEAR_WHERE] = typed
    try:
        lat, lon = float(request.POST["lat"]), float(request.POST["lon"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            point = (round(lat, 4), round(lon, 4))
    except (KeyError, ValueError):
        place = place_lookup(town=current, text=where) if where else None
        if place is not None:
            point = (place.latitude, place.longitude)
        else:
            messages.error(
                request,
                _("We do not know the place “%(place)s” in %(town)s; try a postcode.")
                % {"place": where, "town": current.name}
                if where
                else _("Type your postcode or town."),
            )
    if point is None:
        return redirect(target + ("?" + urlencode({"q": query}) if query else ""))
    near = dict(request.session.get(NEAR, {}))
    near[current.slug] = list(point)
    request.session[NEAR] = near
    params = {"q": query, "near": "1", "sort": "distance"}
    return redirect(target + "?" + urlencode({k: v for k, v in params.items() if v}))


# A search's facets and results are the same for every visitor asking the same thing: kept as a
# fragment with the town's version (renewed by every catalogue write, as the town home), keyed by
# what was asked (terms, filters, sort, page, the point "near me"), and re-rendered when a hit's
# availability changed without a write (reservations made or expired).
SEARCH_FRAGMENT_SECONDS = TOWN_FRAGMENT_SECONDS


@dataclass(frozen=True)
class SearchAsked:
    params: dict[str, str]
    page: int
    sort: str
    near: Near | None


@dataclass
class SearchResults:
    facets_html: str
    results_html: str
    errors: list[str]
    variant_ids: list[list[int]]  # each hit's variants, in the order shown
    in_stock: list[bool]  # each hit's "in stock" badge


def search(request: HttpRequest, town: str) -> HttpResponse:
    current = town_of(town)
    params = _params(request)
    sort = params.get("sort", "relevance")
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    near = _near(request, current)
    if sort not in SORTS or (sort == "distance" and near is None):
        sort = "relevance"
    asked = SearchAsked(params=params, page=page, sort=sort, near=near)
    computed: list[bool] = []

    def compute() -> SearchResults:
        computed.append(True)
        return _search_results(current, asked)

    results = cached_value(
        name="search",
        version_key=town_version_key(town_id=current.pk),
        parts=(current.pk, digest((sorted(params.items()), page, sort, near))),
        timeout=SEARCH_FRAGMENT_SECONDS,
        compute=compute,
        fresh=_same_availability,
        store="fragments-local",
    )
    response = render(
        request,
        "storefront/search.html",
        town_context(
            request,
            current,
            query=params.get("q", ""),
            errors=results.errors,
            facets_html=mark_safe(results.facets_html),  # noqa: S308 (our templates escaped it)
            results_html=mark_safe(results.results_html),  # noqa: S308 (our templates escaped it)
            **_near_form(request, current),
        ),
    )
    # RFC 9211: whether the results came from the cache (the benchmark counts them).
    response["Cache-Status"] = "storefront-search; " + ("fwd=miss" if computed else "hit")
    return response


def _same_availability(results: SearchResults) -> bool:
    """Whether every cached hit's "in stock" badge is still right (one query)."""
    if not results.variant_ids:
        return True
    available = available_quantities(v for ids in results.variant_ids for v in ids)
    return results.in_stock == [any(available[v] for v in ids) for ids in results.variant_ids]


def _search_results(current: Town, asked: SearchAsked) -> SearchResults:
    params, page, sort, near = asked.params, asked.page, asked.sort, asked.near
    query = params.get("q", "")
    category = params.get("category")
    shop = params.get("shop")
    price = params.get("price", "")
    in_stock = params.get("in_stock") == "1"
    price_min, price_max = _price_range(price)
    errors: list[str] = []
    result = None
    try:
        result = products_search(
            town_slug=current.slug,
            query=query,
            categories=[category] if category else None,
            vendors=[shop] if shop else None,
            price_min=price_min,
            price_max=price_max,
            in_stock=True if in_stock else None,
            near=near,
            sort_by=SORTS[sort],
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    except ValidationError as invalid:
        errors.extend(invalid.messages)
    except SearchUnavailable as unavailable:
        raise Http404(str(unavailable)) from unavailable
    hits = []
    facets: dict[str, list[Link]] = {}
    if result is not None:
        hits = _hits(result.hits)
        facets = {
            "categories": [
                Link(
                    f.label,
                    _url(params, category=None if f.value == category else f.value),
                    f.count,
                    f.value == category,
                )
                for f in result.facets.categories
            ],
            "shops": [
                Link(
                    f.label,
                    _url(params, shop=None if f.value == shop else f.value),
                    f.count,
                    f.value == shop,
                )
                for f in result.facets.vendors
            ],
            "prices": [
                Link(
                    _price_label(r.start, r.end, current.currency),
                    _url(params, price=None if r.value == price else r.value),
                    r.count,
                    r.value == price,
                )
                for r in result.facets.price_ranges
                if r.count or r.value == price
            ],
        }
        stocked = next((f.count for f in result.facets.availability if f.value == "in_stock"), 0)
        facets["stock"] = [
            Link(
                _("In stock only"),
                _url(params, in_stock=None if in_stock else "1"),
                stocked,
                in_stock,
            )
        ]
    sorts = [
        Link(label, _url(params, sort=value), None, value == sort)
        for value, label in (
            ("relevance", _("Relevance")),
            ("price_asc", _("Price, lowest first")),
            ("price_desc", _("Price, highest first")),
            ("distance", _("Distance")),
        )
        if value != "distance" or near is not None
    ]
    total = result.total if result is not None else 0
    context = {
        "town": current,
        "params": params,
        "hits": hits,
        "total": total,
        "facets": facets,
        "sorts": sorts,
        "near": near,
        "page": page,
        "previous_url": _url(params, page=str(page - 1)) if page > 1 else "",
        "next_url": _url(params, page=str(page + 1)) if page * PAGE_SIZE < total else "",
        "clear_url": _url({"q": query} if query else {}),
    }
    return SearchResults(
        facets_html=render_to_string("storefront/_search_facets.html", context),
        results_html=render_to_string("storefront/_search_results.html", context),
        errors=errors,
        variant_ids=[hit.variant_ids for hit in hits],
        in_stock=[bool(hit.available) for hit in hits],
    )


def _price_label(start: Decimal | None, end: Decimal | None, currency: str) -> str:
    if start is None:
        return _("under %(price)s") % {"price": money(end, currency)}
    if end is None:
        return _("%(price)s and more") % {"price": money(start, currency)}
    return _("%(low)s to %(high)s") % {"low": money(start, currency), "high": money(end, currency)}


@dataclass
class ProductHit:
    product: Product
    variant_ids: list[int]
    price_min: Decimal
    price_max: Decimal
    available: int
    distance_km: float | None


def _hits(hits: list[Any]) -> list[ProductHit]:
    """The published products of the hits, in their order, with price range and stock (three
    queries, compiled once per number of hits: every search page that misses the cache asks)."""
    ids = [hit.product_id for hit in hits]
    if not ids:
        return []
    numbered = {f"p{i}": pk for i, pk in enumerate(ids)}
    count = len(ids)
    products: dict[int, Product] = {
        product.pk: product
        for product in compiled_query(
            ("search_hit_products", count), lambda: _hit_products_query(count)
        ).run(**numbered)
    }
    variants: dict[int, list[tuple[int, Decimal]]] = {}
    for variant_id, product_id, price in compiled_query(
        ("search_hit_variants", count), lambda: _hit_variants_query(count)
    ).run(**numbered):
        variants.setdefault(product_id, []).append((variant_id, price))
    available = available_quantities(v for pk in products for v, _price in variants.get(pk, []))
    rows = []
    for hit in hits:
        product = products.get(hit.product_id)
        found = variants.get(hit.product_id)
        if product is None or not found:
            continue
        prices = [price for _variant, price in found]
        rows.append(
            ProductHit(
                product=product,
                variant_ids=[variant for variant, _price in found],
                price_min=min(prices),
                price_max=max(prices),
                available=sum(available[variant] for variant, _price in found),
                distance_km=hit.distance_km,
            )
        )
    return rows


def _hit_products_query(count: int) -> QuerySet[Product]:
    return Product.objects.select_related("vendor", "category").filter(
        is_published=True, pk__in=Slots("p", count, Product._meta.pk)
    )


def _hit_variants_query(count: int) -> QuerySet[Variant, tuple[int, int, Decimal]]:
    return (
        Variant.objects.filter(product_id__in=Slots("p", count, Variant._meta.get_field("product")))
        .order_by("product_id", "position", "pk")
        .values_list("id", "product_id", "price")
    )


@require_GET
def suggestions(request: HttpRequest, town: str) -> HttpResponse:
    """A few product names matching what is typed (htmx swaps them under the search box)."""
    current = town_of(town)
    query = request.GET.get("q", "").strip()
    hits: list[ProductHit] = []
    if len(query) >= 2:
        try:
            result = products_search(
                town_slug=current.slug, query=query, limit=SUGGESTIONS, facets=frozenset()
            )
            hits = _hits(result.hits)
        except (ValidationError, SearchUnavailable):
            hits = []
    return render(
        request,
        "storefront/_suggestions.html",
        {"town": current, "hits": hits, "query": query},
    )


def _shop(town_slug: str, slug: str) -> Vendor:
    """An approved shop of the town, its town loaded with it (one query for both, compiled once
    per process: every shop and product page asks)."""
    found = compiled_query(("storefront_shop",), _shop_query).run(town=town_slug, slug=slug)
    if not found:
        raise Http404(_("No such shop."))
    shop: Vendor = found[0]
    return shop


def _shop_query() -> QuerySet[Vendor]:
    return Vendor.objects.select_related("category", "town").filter(
        town__slug=Slot("town", Town._meta.get_field("slug")),
        slug=Slot("slug", Vendor._meta.get_field("slug")),
        status=VendorStatus.APPROVED,
    )


def vendor_detail(request: HttpRequest, town: str, vendor: str) -> HttpResponse:
    shop = _shop(town, vendor)
    current = shop.town
    available = vendor_available_quantities(vendor_id=shop.pk)
    products_html = cached_fragment(
        name="shop-products",
        version_key=shop_version_key(vendor_id=shop.pk),
        parts=(shop.pk, digest(sorted(available.items()))),
        timeout=SHOP_FRAGMENT_SECONDS,
        render=lambda: _shop_products(current, shop, available),
    )
    return render(
        request,
        "storefront/vendor.html",
        town_context(
            request,
            current,
            shop=shop,
            products_html=products_html,
            open_now=opening_hours_open_at(opening_hours=shop.opening_hours, at=town_now(current)),
        ),
    )


def _shop_products(current: Town, shop: Vendor, available: dict[int, int]) -> str:
    products = list(
        Product.objects.filter(vendor=shop, is_published=True)
        .select_related("category")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "pk")))
        .order_by("category__name", "name")
    )
    groups: dict[str, list[Product]] = {}
    for product in products:
        for variant in product.variants.all():
            variant.available = available.get(variant.pk, 0)  # type: ignore[attr-defined]
        groups.setdefault(product.category.name, []).append(product)
    hours = [(str(DAY_NAMES[day]), shop.opening_hours.get(day)) for day in DAYS]
    return render_to_string(
        "storefront/_shop_products.html",
        {
            "town": current,
            "shop": shop,
            "groups": groups,
            "hours": hours,
            "methods": FulfilmentMethod.objects.filter(vendor=shop).order_by("fee", "method"),
        },
    )


def product_detail(request: HttpRequest, town: str, vendor: str, product: str) -> HttpResponse:
    shop = _shop(town, vendor)
    current = shop.town
    item = get_object_or_404(
        Product.objects.select_related("category").prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "pk"))
        ),
        vendor=shop,
        slug=product,
        is_published=True,
    )
    variants = list(item.variants.all())
    buyable = buyable_quantities(variant_ids=[v.pk for v in variants])
    for variant in variants:
        variant.available = buyable[variant.pk]  # type: ignore[attr-defined]
    sold_out = {variant_id for variant_id, units in buyable.items() if not units}
    # No form when nothing can be bought: the page says "sold out" instead of an add button.
    form = (
        AddToCartForm(
            variants=variants,
            sold_out=sold_out,
            max_quantity=line_quantity_max(town_id=current.pk),
            initial={"quantity": 1},
        )
        if len(sold_out) < len(variants)
        else None
    )
    return render(
        request,
        "storefront/product.html",
        town_context(request, current, shop=shop, product=item, variants=variants, form=form),
    )
