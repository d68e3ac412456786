"""A catalogue import started from the back office: the file, its dry run, then its import.

The work is `vendors.csv_import.catalog_import`; this row only carries the file between the two
steps and the state and report of the background task (polled by the progress fragment).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CatalogImportJob(models.Model):
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    rows = models.PositiveIntegerField(default=0)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    # {"created": n, "updated": n, "unchanged": n, "errors": [{line, field, code, message}]}
    report = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.filename} {self.status}"

    @property
    def progress(self) -> int:
        """Percent shown by the progress bar by stage, when the cache has no row count yet."""
        return {"queued": 5, "running": 50}.get(self.status, 100)
