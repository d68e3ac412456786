"""The outbox relay's tasks live beside the outbox (marketplace/core/outbox.py); they are
re-exported here so that Celery's autodiscovery finds them."""

from marketplace.core.outbox import (
    outbox_deliver,
    outbox_deliver_fresh,
    outbox_purge,
    outbox_sweep,
)

__all__ = ["outbox_deliver", "outbox_deliver_fresh", "outbox_purge", "outbox_sweep"]
