"""The association's back office (scoped to the staff's own town) and the public transparency page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "association/index.html", {})


def transparency_index(request: HttpRequest) -> HttpResponse:
    return render(request, "association/transparency_index.html", {})
