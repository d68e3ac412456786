"""The back office's notice of a shop that is not approved gives the association's address as a
link to write to it, when the town has one (without one, the notice reads as before: see
test_merchant_suspension.py)."""

from __future__ import annotations

import html
import re

import pytest

from marketplace.governance.approval import vendor_refuse, vendor_suspend
from marketplace.towns.models import Town
from tests.factories import TownStaffFactory, VendorFactory, VendorMemberFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db

ADDRESS = "bureau@sete.example"
LINK = f'<a href="mailto:{ADDRESS}">{ADDRESS}</a>'


def _notice(response) -> str:
    (section,) = re.findall(
        r'<section class="standing-notice[^"]*"[^>]*>.*?</section>', response.content.decode(), re.S
    )
    return section


def _last_sentence(section: str) -> str:
    """The notice's last paragraph, its tags kept, entities read."""
    paragraphs = re.findall(r"<p>(.*?)</p>", section, re.S)
    return html.unescape(paragraphs[-1])


@pytest.fixture
def moderator(town):
    return TownStaffFactory(town=town, role="moderator").user


@pytest.fixture
def with_address(town):
    Town.objects.filter(pk=town.pk).update(contact_email=ADDRESS)


@pytest.fixture
def pending(town, owner):
    shop = VendorFactory(town=town, slug="le-kiosque", status=VendorStatus.PENDING)
    VendorMemberFactory(vendor=shop, user=owner)
    return shop


def url(shop, path="commandes/"):
    return f"/commercant/{shop.town.slug}/{shop.slug}/{path}"


def test_a_suspended_shop_is_told_to_write_to_the_associations_address(
    client, login, with_address, shop, owner, moderator
):
    vendor_suspend(vendor_id=shop.pk, reason="Contrôle en cours.", actor=moderator)
    login(owner)

    sentence = _last_sentence(_notice(client.get(url(shop))))

    assert sentence == (
        "Pour en savoir plus ou demander la levée de la suspension, écrivez à l’association de "
        f"Sète : {LINK}."
    )


def test_a_refused_shop_is_told_to_write_to_the_associations_address(
    client, login, with_address, pending, owner, moderator
):
    vendor_refuse(vendor_id=pending.pk, reason="Hors de la commune.", actor=moderator)
    login(owner)

    sentence = _last_sentence(_notice(client.get(url(pending, "produits/"))))

    assert sentence == (
        "Pour en savoir plus ou faire réexaminer votre demande, écrivez à l’association de "
        f"Sète : {LINK}."
    )


def test_a_pending_shop_may_write_to_the_association_meanwhile(
    client, login, with_address, pending, owner
):
    login(owner)

    section = _notice(client.get(url(pending, "boutique/")))

    assert "L’association vous enverra sa décision par courriel." in html.unescape(section)
    assert _last_sentence(section) == f"Une question d’ici là ? Écrivez à l’association : {LINK}."


def test_the_link_is_in_english_on_request(client, login, with_address, shop, owner, moderator):
    vendor_suspend(vendor_id=shop.pk, reason="Contrôle en cours.", actor=moderator)
    login(owner)

    response = client.get(url(shop), HTTP_ACCEPT_LANGUAGE="en")

    assert _last_sentence(_notice(response)) == (
        "To know more or to ask for the suspension to be lifted, write to the association of "
        f"Sète: {LINK}."
    )


def test_without_an_address_the_notice_has_no_link(client, login, pending, owner, moderator):
    vendor_refuse(vendor_id=pending.pk, reason="Hors de la commune.", actor=moderator)
    login(owner)

    section = _notice(client.get(url(pending)))

    assert "mailto:" not in section
    assert _last_sentence(section) == (
        "Pour en savoir plus ou faire réexaminer votre demande, contactez l’association de Sète."
    )
