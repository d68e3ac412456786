from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def dummy_gateway(settings: Any) -> None:
    """Checkout and order logic is tested on the dummy gateway (paid at once)."""
    settings.PAYMENT_GATEWAY = "dummy"
