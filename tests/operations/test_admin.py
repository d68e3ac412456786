import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_for_a_platform_superuser(client):
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))

    statuses = {
        model._meta.label: client.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        ).status_code
        for model in admin.site._registry
    }

    assert set(statuses.values()) == {200}, statuses
    assert {"payments.LedgerEntry", "towns.Town", "vendors.Stock", "orders.ShopOrder"} <= set(
        statuses
    )


def test_the_ledger_cannot_be_edited_by_hand(client):
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))

    assert client.get(reverse("admin:payments_ledgerentry_add")).status_code == 403
