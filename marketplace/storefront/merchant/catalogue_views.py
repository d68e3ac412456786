"""Catalogue and stock: products with their variants and photo, stock adjustments, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.collation import FrenchOrder
from marketplace.orders.models import ShopOrder
from marketplace.storefront.merchant.access import ShopAccess, is_htmx, shop_view
from marketplace.storefront.merchant.errors import add_service_errors
from marketplace.storefront.merchant.forms import (
    ProductFilterForm,
    ProductForm,
    PublishForm,
    StockAdjustForm,
    VariantFormSet,
)
from marketplace.storefront.merchant.views import shop_url
from vendors.models import Product, StockMovement, Variant
from vendors.products import product_create, product_delete, product_publish, product_update
from vendors.stock_updates import stock_adjust

PAGE_SIZE = 50


def _variants() -> Prefetch[str, QuerySet[Variant], str]:
    return Prefetch(
        "variants", queryset=Variant.objects.select_related("stock").order_by("position", "pk")
    )


@shop_view()
def products(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    vendor = access.vendor
    filters = ProductFilterForm(request.GET or None)
    rows = Product.objects.filter(vendor_id=vendor.pk)
    if filters.is_valid():
        query = filters.cleaned_data["q"].strip()
        own_variants = Variant.objects.filter(product_id=OuterRef("pk"))
        if query:
            rows = rows.filter(
                Q(name__icontains=query) | Exists(own_variants.filter(sku__icontains=query))
            )
        if filters.cleaned_data["category"]:
            rows = rows.filter(category=filters.cleaned_data["category"])
        if filters.cleaned_data["stock"] == "out":
            rows = rows.filter(
                Exists(own_variants.filter(stock__quantity__lte=F("stock__quantity_allocated")))
            )
        elif filters.cleaned_data["stock"] == "low":
            rows = rows.filter(
                Exists(
                    own_variants.filter(
                        low_stock_threshold__isnull=False,
                        stock__quantity__lt=F("low_stock_threshold"),
                    )
                )
            )
        if filters.cleaned_data["published"]:
            rows = rows.filter(is_published=filters.cleaned_data["published"] == "yes")
    rows = (
        rows.select_related("category")
        .prefetch_related(_variants())
        .order_by(FrenchOrder("name"), "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "merchant/products.html",
        {
            "access": access,
            "vendor": vendor,
            "filters": filters,
            "page": page,
            "query_string": query_string.urlencode(),
        },
    )


def _variant_errors(formset: Any, error: ValidationError, index_map: list[int], form: Any) -> None:
    """`variants.N.field` → the formset row that gave the N-th variant; the rest → the form."""
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    others: dict[str, Any] = {}
    for key, errors in error.error_dict.items():
        parts = key.split(".")
        if (
            parts[0] == "variants"
            and len(parts) == 3
            and parts[1].isdigit()
            and int(parts[1]) < len(index_map)
        ):
            row = formset.forms[index_map[int(parts[1])]]
            field = {"lowStockThreshold": "low_stock_threshold"}.get(parts[2], parts[2])
            for item in errors:
                for message in item.messages:
                    row.add_error(field if field in row.fields else None, message)
        else:
            others[key] = errors
    if others:
        add_service_errors(form, ValidationError(others), {"file": "image", "removeVariants": None})  # type: ignore[dict-item]


def _rows(formset: Any) -> tuple[list[dict[str, Any]], list[int | None], list[int], list[int]]:
    """(variant data, their ids (None: new), ids to remove, formset index of each variant)."""
    data: list[dict[str, Any]] = []
    ids: list[int | None] = []
    remove: list[int] = []
    index_map: list[int] = []
    for index, row in enumerate(formset.forms):
        if not row.has_changed() and not row.cleaned_data.get("id"):
            continue
        if row.cleaned_data.get("remove"):
            if row.cleaned_data.get("id"):
                remove.append(row.cleaned_data["id"])
            continue
        data.append(row.service_data())
        ids.append(row.cleaned_data.get("id"))
        index_map.append(index)
    return data, ids, remove, index_map


@shop_view()
def product_new(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    form = ProductForm(request.POST or None, request.FILES or None)
    formset = VariantFormSet(request.POST or None, prefix="variants")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        variants, _ids, _remove, index_map = _rows(formset)
        try:
            product = product_create(
                vendor_id=access.vendor.pk,
                data={
                    "name": form.cleaned_data["name"],
                    "description": form.cleaned_data["description"],
                    "category": str(form.cleaned_data["category"].pk),
                    "variants": variants,
                },
                user=request.user,
                image=form.cleaned_data["image"],
            )
        except ValidationError as error:
            _variant_errors(formset, error, index_map, form)
        else:
            messages.success(request, _("Product %(name)s added.") % {"name": product.name})
            return redirect(shop_url(access.vendor, "merchant:products"))
    return render(
        request,
        "merchant/product_form.html",
        {
            "access": access,
            "vendor": access.vendor,
            "form": form,
            "formset": formset,
            "product": None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _edit(
    request: HttpRequest,
    access: ShopAccess,
    product: Product,
    *,
    form: Any = None,
    formset: Any = None,
    status: int = 200,
) -> HttpResponse:
    variants = list(
        Variant.objects.filter(product=product).select_related("stock").order_by("position", "pk")
    )
    if form is None:
        form = ProductForm(
            initial={
                "name": product.name,
                "description": product.description,
                "category": product.category_id,
            }
        )
    if formset is None:
        formset = VariantFormSet(
            prefix="variants",
            initial=[
                {
                    "id": v.pk,
                    "sku": v.sku,
                    "name": v.name,
                    "price": v.price,
                    "stock": getattr(getattr(v, "stock", None), "quantity", 0),
                    "low_stock_threshold": v.low_stock_threshold,
                }
                for v in variants
            ],
        )
    return render(
        request,
        "merchant/product_form.html",
        {
            "access": access,
            "vendor": access.vendor,
            "form": form,
            "formset": formset,
            "product": product,
            "variants": variants,
            "adjust_form": StockAdjustForm(),
        },
        status=status,
    )


@shop_view()
def product_edit(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk, vendor_id=access.vendor.pk)
    if request.method != "POST":
        return _edit(request, access, product)
    form = ProductForm(request.POST, request.FILES)
    formset = VariantFormSet(request.POST, prefix="variants")
    if form.is_valid() and formset.is_valid():
        variants, ids, remove, index_map = _rows(formset)
        try:
            product_update(
                product_id=product.pk,
                data={
                    "name": form.cleaned_data["name"],
                    "description": form.cleaned_data["description"],
                    "category": str(form.cleaned_data["category"].pk),
                    "variants": variants,
                },
                variant_ids=ids,
                remove_variant_ids=remove,
                user=request.user,
                image=form.cleaned_data["image"],
            )
        except ValidationError as error:
            _variant_errors(formset, error, index_map, form)
        else:
            messages.success(
                request, _("Product %(name)s saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect(shop_url(access.vendor, "merchant:product", pk=product.pk))
    return _edit(request, access, product, form=form, formset=formset, status=400)


@shop_view()
def product_remove(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """First a page saying what deleting does (how many orders had the product, unpublishing as
    the gentler way); only its confirming POST (`confirm`) deletes. Works without JavaScript."""
    product = get_object_or_404(Product, pk=pk, vendor_id=access.vendor.pk)
    if request.method != "POST" or "confirm" not in request.POST:
        sold_in = (
            ShopOrder.objects.filter(
                vendor_id=access.vendor.pk, lines__variant__product_id=product.pk
            )
            .distinct()
            .count()
        )
        return render(
            request,
            "merchant/product_delete.html",
            {
                "access": access,
                "vendor": access.vendor,
                "product": product,
                "variant_count": Variant.objects.filter(product_id=product.pk).count(),
                "sold_in": sold_in,
            },
        )
    try:
        product_delete(product_id=product.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(shop_url(access.vendor, "merchant:product", pk=product.pk))
    messages.success(request, _("Product %(name)s deleted.") % {"name": product.name})
    return redirect(shop_url(access.vendor, "merchant:products"))


@require_POST
@shop_view()
def product_publish_view(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """Publish or unpublish, then back to the list (`next`, same site) or the product's page."""
    product = get_object_or_404(Product, pk=pk, vendor_id=access.vendor.pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            product_publish(
                user=request.user, product_id=product.pk, published=form.cleaned_data["published"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if form.cleaned_data["published"]:
                text = _("Product %(name)s published.")
            else:
                text = _("Product %(name)s unpublished: customers no longer see it.")
            messages.success(request, text % {"name": product.name})
    else:
        messages.error(request, _("Choose to publish or to unpublish."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(shop_url(access.vendor, "merchant:product", pk=product.pk))


@require_POST
@shop_view()
def stock_adjust_view(request: HttpRequest, access: ShopAccess, variant_id: int) -> HttpResponse:
    """Add or remove units with a reason; with htmx, answers the variant's row again."""
    variant = get_object_or_404(
        Variant.objects.select_related("product", "stock"),
        pk=variant_id,
        vendor_id=access.vendor.pk,
    )
    form = StockAdjustForm(request.POST)
    if form.is_valid():
        try:
            stock_adjust(
                variant_id=variant.pk,
                delta=form.cleaned_data["delta"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"quantity": "delta"})
        else:
            variant.stock.refresh_from_db()
            form = StockAdjustForm()
            if not is_htmx(request):
                messages.success(request, _("Stock of %(sku)s updated.") % {"sku": variant.sku})
    if is_htmx(request):
        return render(
            request,
            "merchant/_stock_row.html",
            {
                "access": access,
                "vendor": access.vendor,
                "variant": variant,
                "adjust_form": form,
                "saved": not form.errors,
            },
            status=200,
        )
    if form.errors:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = shop_url(access.vendor, "merchant:stock_low")
    return redirect(back)


@shop_view()
def stock_movements(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    rows = (
        StockMovement.objects.filter(stock__variant__vendor_id=access.vendor.pk)
        .select_related("stock__variant__product", "user")
        .order_by("-created_at", "-pk")
    )
    variant_id = request.GET.get("variant", "")
    if variant_id.isdigit():
        rows = rows.filter(stock__variant_id=int(variant_id))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "merchant/movements.html",
        {"access": access, "vendor": access.vendor, "page": page, "variant_id": variant_id},
    )


@shop_view()
def stock_low(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    """Variants below their threshold, or with nothing left to sell."""
    variants = list(
        Variant.objects.filter(vendor_id=access.vendor.pk)
        .filter(
            Q(low_stock_threshold__isnull=False, stock__quantity__lt=F("low_stock_threshold"))
            | Q(stock__quantity__lte=F("stock__quantity_allocated"))
        )
        .select_related("product", "stock")
        .order_by(FrenchOrder("product__name"), "position", "pk")[:500]
    )
    return render(
        request,
        "merchant/stock_low.html",
        {
            "access": access,
            "vendor": access.vendor,
            "variants": variants,
            "adjust_form": StockAdjustForm(),
        },
    )
