"""Two administrators racing on the same scope: the town lock lets exactly one rule in."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace.governance.models import AuditEntry, CommissionRule
from marketplace.governance.rules import commission_rule_create, commission_rule_update
from tests.factories import TownFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(count, action):
    barrier = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            barrier.wait()
            action(index)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.error_dict[next(iter(error.error_dict))][0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_concurrent_overlapping_rules_exactly_one_is_created():
    town = TownFactory(slug="race")

    outcomes = _race(8, lambda i: commission_rule_create(town_id=town.pk, percentage=Decimal(i)))

    assert outcomes == ["OVERLAPPING_RULE"] * 7 + ["ok"]
    assert CommissionRule.objects.filter(town=town).count() == 1
    assert AuditEntry.objects.filter(town=town).count() == 1


def test_concurrent_updates_of_one_version_make_exactly_one_new_version():
    town = TownFactory(slug="race")
    rule = commission_rule_create(town_id=town.pk, percentage=Decimal("5"))

    outcomes = _race(6, lambda i: commission_rule_update(rule_id=rule.pk, percentage=Decimal(i)))

    assert outcomes == ["RULE_SUPERSEDED"] * 5 + ["ok"]
    assert CommissionRule.objects.filter(town=town).count() == 2
    assert CommissionRule.objects.filter(previous=rule).count() == 1
