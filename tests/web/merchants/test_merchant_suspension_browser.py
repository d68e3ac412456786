"""The suspension notice in Chromium: in the page's main region (the skip link reaches it), a
status region named by its first sentence, readable at 390 px, axe-core clean; the pending
shop's notice too."""

from __future__ import annotations

import pytest

from marketplace.governance.approval import vendor_suspend
from tests.factories import PASSWORD, TownStaffFactory, VendorFactory, VendorMemberFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Produits non conformes à la charte du marché."


def _notice_facts(web) -> dict[str, object]:
    return web.driver.execute_script(
        "const n = document.querySelector('main .standing-notice');"
        "if (!n) return null;"
        "const name = document.getElementById(n.getAttribute('aria-labelledby'));"
        "const box = n.getBoundingClientRect();"
        "return {role: n.getAttribute('role'), name: name && name.textContent.trim(),"
        " count: document.querySelectorAll('.standing-notice').length,"
        " fits: box.width <= document.documentElement.clientWidth,"
        " beforeTitle: !!(n.compareDocumentPosition(document.querySelector('main h1'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)};"
    )


def test_a_suspended_shops_owner_sees_the_notice_on_each_page_accessible(web, town, shop, owner):
    vendor_suspend(
        vendor_id=shop.pk, reason=REASON, actor=TownStaffFactory(town=town, role="moderator").user
    )
    web.login(owner.email, PASSWORD)

    for path in ("commandes/", "produits/", "boutique/"):
        web.open(f"/commercant/{town.slug}/{shop.slug}/{path}")
        web.wait_for("main .standing-notice")
        assert _notice_facts(web) == {
            "role": "status",
            "name": "L’association de Sète a suspendu votre commerce.",
            "count": 1,
            "fits": True,
            "beforeTitle": True,
        }, path
        assert REASON in web.find(".standing-notice").text
        assert web.axe() == [], path
    web.screenshots("merchant-suspended-notice")
    web.driver.set_window_size(390, 844)
    assert _notice_facts(web)["fits"] is True
    assert "contactez l’association de Sète" in web.find(".standing-notice").text


def test_a_pending_shops_owner_sees_its_notice_accessible(web, town, owner):
    shop = VendorFactory(town=town, slug="le-kiosque", status=VendorStatus.PENDING)
    VendorMemberFactory(vendor=shop, user=owner)
    web.login(owner.email, PASSWORD)

    web.open(f"/commercant/{town.slug}/{shop.slug}/produits/")
    web.wait_for("main .standing-notice")

    facts = _notice_facts(web)
    assert facts is not None
    assert (facts["role"], facts["name"]) == (
        "status",
        "Votre demande d’ouverture attend la décision de l’association de Sète.",
    )
    assert web.axe() == []
    web.screenshots("merchant-pending-notice")
