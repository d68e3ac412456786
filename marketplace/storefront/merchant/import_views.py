"""CSV import (dry run first, then the import; large files in the background) and export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.storefront.merchant.access import ShopAccess, is_htmx, shop_view
from marketplace.storefront.merchant.forms import ImportForm
from marketplace.storefront.merchant.jobs import import_job_create, import_job_progress
from marketplace.storefront.merchant.models import CatalogImportJob, ImportJobStatus
from marketplace.storefront.merchant.views import shop_url
from vendors.csv_export import catalog_export
from vendors.csv_import import MAX_FILE_BYTES, column_names


@shop_view()
def catalogue_import(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 20 MB."))
        else:
            job = import_job_create(
                vendor_id=access.vendor.pk,
                user=request.user,
                filename=upload.name,
                content=upload.read(),
                dry_run=True,
            )
            return redirect(shop_url(access.vendor, "merchant:import_job", pk=job.pk))
    jobs = CatalogImportJob.objects.filter(vendor_id=access.vendor.pk).defer("content")[:10]
    return render(
        request,
        "merchant/import.html",
        {
            "access": access,
            "vendor": access.vendor,
            "form": form,
            "jobs": jobs,
            "columns": column_names(language=get_language()),
        },
        status=400 if form.errors else 200,
    )


def _job(access: ShopAccess, pk: int) -> CatalogImportJob:
    return get_object_or_404(
        CatalogImportJob.objects.defer("content"), pk=pk, vendor_id=access.vendor.pk
    )


@shop_view()
def import_job(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """The job's state; while it runs, htmx polls its fragment (the progress bar)."""
    job = _job(access, pk)
    running = job.status in {ImportJobStatus.QUEUED, ImportJobStatus.RUNNING}
    figures = import_job_progress(job_id=job.pk) if running else None
    template = "merchant/_import_job.html" if is_htmx(request) else "merchant/import_job.html"
    return render(
        request,
        template,
        {"access": access, "vendor": access.vendor, "job": job, "figures": figures},
    )


@require_POST
@shop_view()
def import_confirm(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """The dry run was clean: import the same file for real."""
    dry = get_object_or_404(CatalogImportJob, pk=pk, vendor_id=access.vendor.pk, dry_run=True)
    job = import_job_create(
        vendor_id=access.vendor.pk,
        user=request.user,
        filename=dry.filename,
        content=bytes(dry.content),
        dry_run=False,
    )
    if job.status == "done" and not (job.report or {}).get("errors"):
        messages.success(request, _("Catalogue imported."))
    return redirect(shop_url(access.vendor, "merchant:import_job", pk=job.pk))


@shop_view()
def catalogue_export(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    response = HttpResponse(
        catalog_export(vendor_id=access.vendor.pk), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="catalogue-{access.vendor.slug}.csv"'
    return response
