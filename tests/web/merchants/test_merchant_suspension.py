"""A shop the association suspended, refused or has not approved yet says so on every page of its
back office: since when, why, what it means and what to do (marketplace.governance.shop_standing)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from marketplace.governance.approval import (
    vendor_approve,
    vendor_refuse,
    vendor_reinstate,
    vendor_suspend,
)
from marketplace.governance.models import AuditEntry
from marketplace.governance.shop_standing import ShopStandingKind, vendor_standing
from tests.factories import TownStaffFactory, VendorFactory, VendorMemberFactory
from tests.web.merchants.helpers import paid_order
from vendors.models import Vendor, VendorStatus

pytestmark = pytest.mark.django_db

REASON = "Produits non conformes à la charte du marché (vente d'alcool sans licence)."
# 23:30 in UTC is already the next day in Sète (Europe/Paris, UTC+1 in March).
DECIDED_AT = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
PAGES = [
    "commandes/",
    "commandes/preparation/",
    "produits/",
    "produits/nouveau/",
    "stock/bas/",
    "stock/mouvements/",
    "import/",
    "boutique/",
    "equipe/",
    "argent/",
]


def url(shop, path=""):
    return f"/commercant/{shop.town.slug}/{shop.slug}/{path}"


def _text(response) -> str:
    """The page as text: tags and spacing collapsed, entities and no-break spaces as spaces."""
    plain = re.sub(r"<[^>]+>", " ", html.unescape(response.content.decode()))
    return " ".join(plain.replace("\u00a0", " ").replace("\u202f", " ").split())


def _notice(response) -> str:
    """The notice's section as text ('' when there is none); there is at most one."""
    page = response.content.decode()
    sections = re.findall(r'<section class="standing-notice[^"]*"[^>]*>.*?</section>', page, re.S)
    assert len(sections) <= 1
    if not sections:
        return ""
    assert 'role="status"' in sections[0] and 'aria-labelledby="standing-title"' in sections[0]
    plain = re.sub(r"<[^>]+>", " ", html.unescape(sections[0]))
    return " ".join(plain.replace("\u00a0", " ").split())


def _decided_at(shop, moment: datetime) -> None:
    AuditEntry.objects.filter(object_type="vendor", object_id=shop.pk).update(created_at=moment)


@pytest.fixture
def moderator(town):
    return TownStaffFactory(town=town, role="moderator").user


@pytest.fixture
def suspended(shop, moderator):
    vendor_suspend(vendor_id=shop.pk, reason=REASON, actor=moderator)
    _decided_at(shop, DECIDED_AT)
    return shop


@pytest.mark.parametrize("path", PAGES)
def test_every_page_of_a_suspended_shop_says_since_when_why_and_what_it_means(
    client, login, suspended, owner, path
):
    login(owner)

    response = client.get(url(suspended, path))

    assert response.status_code == 200
    assert _notice(response) == (
        "L’association de Sète a suspendu votre commerce. "
        "Décision du 15 mars 2026 "
        f"Motif donné par l’association {REASON} "
        "Ce que cela change : "
        "Les clients ne voient plus votre commerce : sa page et ses produits ont disparu des pages "
        "de la ville et de la recherche. "
        "Personne ne peut plus y commander : ses produits ne peuvent plus être mis au panier ni "
        "commandés. "
        "Les commandes déjà payées continuent : acceptez-les, préparez-les et remettez-les (ou "
        "remboursez-les) comme d’habitude. "
        "L’import d’un catalogue et l’ajout de photos attendent la levée de la suspension. "
        "Pour en savoir plus ou demander la levée de la suspension, contactez l’association de "
        "Sète."
    )
    assert '<time datetime="2026-03-15T00:30:00+01:00">' in response.content.decode()


def test_an_order_page_of_a_suspended_shop_says_it_too_and_the_order_can_still_be_accepted(
    client, login, town, shop, owner, moderator
):
    shop_order = paid_order(town, shop)
    vendor_suspend(vendor_id=shop.pk, reason=REASON, actor=moderator)
    login(owner)

    page = client.get(url(shop, f"commandes/{shop_order.pk}/"))
    accepted = client.post(url(shop, f"commandes/{shop_order.pk}/accepter/"), follow=True)

    assert "a suspendu votre commerce" in _notice(page)
    assert "Les commandes déjà payées continuent" in _notice(page)
    assert accepted.status_code == 200
    shop_order.refresh_from_db()
    assert shop_order.status == "accepted"


def test_the_notice_is_in_english_on_request(client, login, suspended, owner):
    login(owner)

    notice = _notice(client.get(url(suspended, "produits/"), HTTP_ACCEPT_LANGUAGE="en"))

    assert notice.startswith(
        "The association of Sète has suspended your shop. Decided on March 15, 2026 "
        f"Reason given by the association {REASON} What it means:"
    )
    assert notice.endswith(
        "To know more or to ask for the suspension to be lifted, contact the association of Sète."
    )


def test_a_refused_application_says_so_with_its_reason(client, login, town, owner, moderator):
    shop = VendorFactory(town=town, slug="le-kiosque", status=VendorStatus.PENDING)
    VendorMemberFactory(vendor=shop, user=owner)
    vendor_refuse(vendor_id=shop.pk, reason="Commerce hors de la commune.", actor=moderator)
    _decided_at(shop, DECIDED_AT)
    login(owner)

    notice = _notice(client.get(url(shop, "commandes/")))

    assert notice == (
        "L’association de Sète a refusé votre demande d’ouverture. "
        "Décision du 15 mars 2026 "
        "Motif donné par l’association Commerce hors de la commune. "
        "Ce que cela change : "
        "Les clients ne voient plus votre commerce : sa page et ses produits ont disparu des pages "
        "de la ville et de la recherche. "
        "Personne ne peut plus y commander : ses produits ne peuvent plus être mis au panier ni "
        "commandés. "
        "Pour en savoir plus ou faire réexaminer votre demande, contactez l’association de Sète."
    )


def test_a_shop_waiting_for_approval_says_since_when_and_what_it_can_do(client, login, town, owner):
    shop = VendorFactory(town=town, slug="le-kiosque", status=VendorStatus.PENDING)
    Vendor.objects.filter(pk=shop.pk).update(created_at=DECIDED_AT)
    VendorMemberFactory(vendor=shop, user=owner)
    login(owner)

    notice = _notice(client.get(url(shop, "produits/")))

    assert notice == (
        "Votre demande d’ouverture attend la décision de l’association de Sète. "
        "Demande envoyée le 15 mars 2026 "
        "Ce que cela change : "
        "Les clients ne voient pas encore votre commerce et ne peuvent pas y commander. "
        "Vous pouvez déjà préparer vos produits, leur stock et la fiche de votre commerce ; "
        "l’import d’un catalogue et l’ajout de photos seront possibles une fois le commerce "
        "approuvé. "
        "L’association vous enverra sa décision par courriel."
    )


def test_an_approved_or_reinstated_shop_shows_no_notice(client, login, suspended, owner, moderator):
    login(owner)
    vendor_reinstate(vendor_id=suspended.pk, actor=moderator)

    for path in PAGES:
        response = client.get(url(suspended, path))
        assert response.status_code == 200
        assert _notice(response) == "", path
        assert "suspendu" not in _text(response).lower(), path


def test_the_standing_reads_the_latest_decision_and_costs_no_query_once_approved(
    town, shop, moderator, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert vendor_standing(vendor=shop) is None
    vendor_suspend(vendor_id=shop.pk, reason="Première fois.", actor=moderator)
    vendor_reinstate(vendor_id=shop.pk, actor=moderator)
    vendor_suspend(vendor_id=shop.pk, reason=REASON, actor=moderator)
    latest = AuditEntry.objects.filter(action="vendor.suspend").first()
    shop.refresh_from_db()

    with django_assert_num_queries(1):
        standing = vendor_standing(vendor=shop)

    assert standing is not None
    assert (standing.kind, standing.since, standing.reason) == (
        ShopStandingKind.SUSPENDED,
        latest.created_at,
        REASON,
    )
    # a pending shop approved later has no notice; one suspended outside the services has no date
    pending = VendorFactory(town=town, status=VendorStatus.PENDING)
    vendor_approve(vendor_id=pending.pk, actor=moderator)
    pending.refresh_from_db()
    assert vendor_standing(vendor=pending) is None
    loaded = VendorFactory(town=town, status=VendorStatus.SUSPENDED, status_reason="Ancien.")
    assert vendor_standing(vendor=loaded) == type(standing)(
        kind=ShopStandingKind.SUSPENDED, since=None, reason="Ancien."
    )
