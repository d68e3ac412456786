"""The engine cannot be reached: the database answers the search, and both the response and the
logs say so. The client is pointed at a closed port for this test only (the shared engine keeps
running for the other tests)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.search.helpers import closed_port, names, search

TOWN = "montpellier"


@pytest.fixture
def unreachable_engine(settings: Any, towns: Any) -> Any:
    settings.SEARCH_BACKEND = "engine"
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    return settings


def test_the_database_answers_when_the_engine_is_unreachable(
    unreachable_engine: Any, gql: Any, caplog: Any
) -> None:
    # When searching while the engine cannot be reached
    with caplog.at_level(logging.WARNING, logger="search.searching"):
        result = search(gql, TOWN, "pirouette", answered_by="DATABASE")
    # Then the database answered, the response says so, and the products are found
    assert result["backend"] == "DATABASE"
    assert result["totalCount"] == 6
    assert len(names(result)) == 6
    # And a warning says the engine was not used
    warnings = [r for r in caplog.records if r.name == "search.searching"]
    assert [(r.levelname, r.getMessage()) for r in warnings] == [
        ("WARNING", "search: engine unavailable, answering from the database")
    ]


@pytest.mark.engine
def test_the_engine_answers_when_it_is_reachable(indexed: Any, gql: Any, caplog: Any) -> None:
    # When searching with the engine up and the town indexed
    with caplog.at_level(logging.WARNING, logger="search.searching"):
        result = search(gql, TOWN, "pirouette", answered_by="ENGINE")
    # Then the engine answered, without any fallback warning
    assert (result["backend"], result["totalCount"]) == ("ENGINE", 6)
    assert [r for r in caplog.records if r.name == "search.searching"] == []
