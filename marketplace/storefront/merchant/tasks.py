"""Celery tasks of the merchants' back office: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from marketplace.storefront.merchant.jobs import import_job_progress_record, import_job_run


@shared_task(name="storefront_merchant.run_catalog_import_job")
def run_catalog_import_job(job_id: int) -> str:
    def on_progress(done: int, total: int) -> None:
        import_job_progress_record(job_id=job_id, done=done, total=total)

    job = import_job_run(job_id=job_id, on_progress=on_progress)
    return job.status if job else "missing"
