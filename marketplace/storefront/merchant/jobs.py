"""Running a catalogue import job: small files at once, large ones in a Celery task."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.storefront.merchant.models import CatalogImportJob, ImportJobStatus
from vendors.csv_import import ProgressCallback, catalog_import

logger = logging.getLogger(__name__)

# Above this many lines, the file is imported by a worker and the page shows a progress bar.
INLINE_MAX_ROWS = 300
# The rows done / total of a running job live in the cache (Redis when REDIS_URL is set), not in
# its row: the import is one transaction, so the row's update would not be seen until the end.
PROGRESS_TTL_SECONDS = 300


def import_job_progress_key(job_id: int) -> str:
    return f"merchant:import-job:{job_id}:progress"


def import_job_progress_record(*, job_id: int, done: int, total: int) -> None:
    """Records how far a running job got (never stops the import if the cache is down)."""
    try:
        cache.set(
            import_job_progress_key(job_id), {"done": done, "total": total}, PROGRESS_TTL_SECONDS
        )
    except Exception:  # a progress figure is not worth failing the import for
        logger.warning("import job %s: progress not recorded", job_id, exc_info=True)


def import_job_progress(*, job_id: int) -> dict[str, int] | None:
    """{"done": n, "total": n} of a running job, or None when no figure is known yet."""
    try:
        figures = cache.get(import_job_progress_key(job_id))
    except Exception:
        logger.warning("import job %s: progress not read", job_id, exc_info=True)
        return None
    if not isinstance(figures, dict) or not figures.get("total"):
        return None
    return {"done": int(figures["done"]), "total": int(figures["total"])}


def import_job_create(
    *, vendor_id: int, user: Requester, filename: str, content: bytes, dry_run: bool
) -> CatalogImportJob:
    """Records the job; runs it now when the file is small, else on commit in a task."""
    # The task module imports this one (the job's runner): imported here to avoid the cycle.
    from marketplace.storefront.merchant.tasks import run_catalog_import_job

    rows = max(content.count(b"\n") - 1, 0)
    job = CatalogImportJob.objects.create(
        vendor_id=vendor_id,
        user=user if user.is_authenticated else None,
        filename=filename[:255],
        content=content,
        rows=rows,
        dry_run=dry_run,
    )
    if rows <= INLINE_MAX_ROWS:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: run_catalog_import_job.delay(job.pk))
    return job


def import_job_run(
    *, job_id: int, on_progress: ProgressCallback | None = None
) -> CatalogImportJob | None:
    """Runs the job once (idempotent: a job already started is left alone)."""
    started = CatalogImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now()
    )
    job = CatalogImportJob.objects.select_related("user").filter(pk=job_id).first()
    if not started or job is None:
        return job
    try:
        report = catalog_import(
            vendor_id=job.vendor_id,
            content=bytes(job.content),
            dry_run=job.dry_run,
            user=job.user,
            on_progress=on_progress,
        )
    except ValidationError as error:  # the file itself is unreadable (encoding, header, size)
        _finish(job, ImportJobStatus.DONE, [_file_error(m) for m in error.messages])
        return job
    except Exception:
        _finish(job, ImportJobStatus.FAILED, [_file_error(_("The import stopped: try again."))])
        raise
    _finish(
        job,
        ImportJobStatus.DONE,
        [asdict(e) for e in report.errors],
        counts=(report.created, report.updated, report.unchanged),
    )
    return job


def _file_error(message: str) -> dict[str, Any]:
    return {"line": 0, "field": "file", "code": "INVALID_FILE", "message": message}


def _finish(
    job: CatalogImportJob,
    status: str,
    errors: list[dict[str, Any]],
    *,
    counts: tuple[int, int, int] = (0, 0, 0),
) -> None:
    created, updated, unchanged = counts
    job.report = {"created": created, "updated": updated, "unchanged": unchanged, "errors": errors}
    job.status = status
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "status", "finished_at"])
