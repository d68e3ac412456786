"""Server-rendered pages for customers: towns, a town's shops, a shop, search.

They only read: through the models for browsing and through the search service for search.
Buying goes through the GraphQL API (checkout*), which these pages link to.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from marketplace.catalog.models import Category
from marketplace.towns.models import Town
from search.query import SearchUnavailable
from search.searching import products_search
from vendors.models import Product, Vendor, VendorStatus
from vendors.opening_hours import DAYS
from vendors.stock import available_quantities

PAGE_SIZE = 24


def home(request: HttpRequest) -> HttpResponse:
    towns = Town.objects.annotate(
        shop_count=Count("vendors", filter=Q(vendors__status=VendorStatus.APPROVED))
    ).order_by("name")
    return render(request, "storefront/home.html", {"towns": towns})


def _town(slug: str) -> Town:
    return get_object_or_404(Town, slug=slug)


def town_detail(request: HttpRequest, town: str) -> HttpResponse:
    current = _town(town)
    shops = (
        Vendor.objects.filter(town=current, status=VendorStatus.APPROVED)
        .select_related("category")
        .order_by("name")
    )
    categories = Category.objects.filter(parent=None).order_by("name")
    return render(
        request,
        "storefront/town.html",
        {"town": current, "shops": shops, "categories": categories},
    )


def vendor_detail(request: HttpRequest, town: str, vendor: str) -> HttpResponse:
    current = _town(town)
    shop = get_object_or_404(
        Vendor.objects.select_related("category"),
        town=current,
        slug=vendor,
        status=VendorStatus.APPROVED,
    )
    products = list(
        Product.objects.filter(vendor=shop)
        .select_related("category")
        .prefetch_related("variants")
        .order_by("name")
    )
    available = available_quantities(v.pk for p in products for v in p.variants.all())
    for product in products:
        for variant in product.variants.all():
            variant.available = available[variant.pk]  # type: ignore[attr-defined]
    hours = [(day, shop.opening_hours.get(day)) for day in DAYS]
    return render(
        request,
        "storefront/vendor.html",
        {
            "town": current,
            "shop": shop,
            "products": products,
            "hours": hours,
            "methods": shop.fulfilment_methods.order_by("method"),
        },
    )


def search(request: HttpRequest, town: str) -> HttpResponse:
    current = _town(town)
    query = request.GET.get("q", "")
    category = request.GET.get("category") or None
    in_stock = request.GET.get("in_stock") == "1" or None
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    error = ""
    result = None
    try:
        result = products_search(
            town_slug=current.slug,
            query=query,
            categories=[category] if category else None,
            in_stock=in_stock,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    except SearchUnavailable as unavailable:
        raise Http404(str(unavailable)) from unavailable
    products = []
    if result is not None:
        by_id = Product.objects.select_related("vendor", "category").prefetch_related("variants")
        found = by_id.in_bulk([hit.product_id for hit in result.hits])
        products = [found[hit.product_id] for hit in result.hits if hit.product_id in found]
    return render(
        request,
        "storefront/search.html",
        {
            "town": current,
            "query": query,
            "category": category,
            "in_stock": in_stock,
            "result": result,
            "products": products,
            "error": error,
            "page": page,
            "has_next": result is not None and page * PAGE_SIZE < result.total,
        },
    )
