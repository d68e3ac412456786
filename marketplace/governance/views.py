"""Open-data downloads: public, no account, stable URLs (CSV with a header row, or JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from marketplace.governance import open_data
from marketplace.governance.transparency import transparency_report
from marketplace.spreadsheets import spreadsheet_safe
from marketplace.towns.models import Town


def _csv_response(rows: list[dict[str, Any]], columns: list[str], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: spreadsheet_safe(
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                )
                for key, value in row.items()
            }
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_response(document: Any) -> JsonResponse:
    response = JsonResponse(document, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _download(
    request: HttpRequest,
    town: str,
    fmt: str,
    *,
    name: str,
    rows: Callable[[Town], list[dict[str, Any]]],
    columns: list[str],
    document: Callable[[Town], Any] | None = None,
) -> HttpResponse:
    found = get_object_or_404(Town, slug=town)
    if fmt == "csv":
        return _csv_response(rows(found), columns, f"{found.slug}-{name}.csv")
    return _json_response(document(found) if document else rows(found))


@require_GET
def catalogue(request: HttpRequest, town: str, fmt: str) -> HttpResponse:
    return _download(
        request,
        town,
        fmt,
        name="catalogue",
        rows=lambda found: open_data.catalogue_rows(town=found),
        columns=open_data.CATALOGUE_COLUMNS,
        document=lambda found: open_data.catalogue_document(town=found),
    )


@require_GET
def commission_rules(request: HttpRequest, town: str, fmt: str) -> HttpResponse:
    return _download(
        request,
        town,
        fmt,
        name="commission-rules",
        rows=lambda found: open_data.commission_rule_rows(town=found),
        columns=open_data.RULE_COLUMNS,
        document=lambda found: {
            "town": found.slug,
            "rules": open_data.commission_rule_rows(town=found),
        },
    )


@require_GET
def audit_log(request: HttpRequest, town: str, fmt: str) -> HttpResponse:
    return _download(
        request,
        town,
        fmt,
        name="audit-log",
        rows=lambda found: open_data.audit_rows(town=found),
        columns=open_data.AUDIT_COLUMNS,
        document=lambda found: {"town": found.slug, "entries": open_data.audit_rows(town=found)},
    )


@require_GET
def transparency(request: HttpRequest, town: str, year: str, month: str, fmt: str) -> HttpResponse:
    found = get_object_or_404(Town, slug=town)
    try:
        report = transparency_report(town=found, year=int(year), month=int(month))
    except ValidationError as error:
        raise Http404("No such month.") from error
    name = f"{found.slug}-transparency-{year}-{month}.csv"
    if fmt == "csv":
        return _csv_response(
            open_data.transparency_rows(report), open_data.TRANSPARENCY_COLUMNS, name
        )
    return _json_response(open_data.transparency_document(report))
