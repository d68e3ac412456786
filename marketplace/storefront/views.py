"""Server-rendered pages. For now, a home page listing the towns."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace.towns.models import Town


def home(request: HttpRequest) -> HttpResponse:
    towns = Town.objects.order_by("name")
    return render(request, "storefront/home.html", {"towns": towns})
