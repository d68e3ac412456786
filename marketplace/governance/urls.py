"""Open-data URLs, mounted at /open-data/ (stable: citizens and scripts depend on them)."""

from __future__ import annotations

from django.urls import re_path

from marketplace.governance import views

app_name = "open_data"

urlpatterns = [
    re_path(r"^(?P<town>[-\w]+)/catalogue\.(?P<fmt>csv|json)$", views.catalogue, name="catalogue"),
    re_path(
        r"^(?P<town>[-\w]+)/commission-rules\.(?P<fmt>csv|json)$",
        views.commission_rules,
        name="commission-rules",
    ),
    re_path(r"^(?P<town>[-\w]+)/audit-log\.(?P<fmt>csv|json)$", views.audit_log, name="audit-log"),
    re_path(
        r"^(?P<town>[-\w]+)/transparency/(?P<year>\d{4})-(?P<month>\d{2})\.(?P<fmt>csv|json)$",
        views.transparency,
        name="transparency",
    ),
]
