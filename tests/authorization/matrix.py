"""Who may do what: every mutation and every private query of the API, for every kind of user.

Read a line as: the operation, then for each actor whether it is ALLOWED (Y) or REFUSED (.).
The world the operations act on is described in `tests/authorization/world.py`: "shop A" is
the shop of the orders, "the town" is Montpellier. An operation may have several lines (name,
colon, case) when who may act depends on the object (a logged-in user's checkout, a guest's).

Rules in words: town administrators (and platform superusers) govern the town (rules, settings,
staff); any town staff decides on shops and may cancel or refund orders; catalogue, stock and
orders of a shop are its members' (profile, people and ownership its owners'); an order is its
customer's (a guest's: whoever holds its token or its checkout's id); accounts are their own.

A test (`test_matrix.py`) runs each cell through the GraphQL API: an allowed cell must succeed
(and change something, for a mutation); a refused one must be refused with nothing changed in
any table. Another test fails when schema.graphql has a mutation or a private query without a
line here. Queries anyone may read in full are listed in PUBLIC_QUERIES, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.authorization.world import ACTORS, World

COLUMNS = ("anon", "cust", "buyer", "owner", "staff", "shopB", "modo", "admin", "admin2", "super")
assert len(COLUMNS) == len(ACTORS)

MATRIX = """
operation                           anon cust buyer owner staff shopB modo admin admin2 super
# governance: the town's administrators
townStaffGrant                        .    .    .     .     .     .     .    Y     .      Y
townStaffRevoke                       .    .    .     .     .     .     .    Y     .      Y
commissionRuleCreate                  .    .    .     .     .     .     .    Y     .      Y
commissionRuleUpdate                  .    .    .     .     .     .     .    Y     .      Y
commissionRuleEnd                     .    .    .     .     .     .     .    Y     .      Y
townSettingsUpdate                    .    .    .     .     .     .     .    Y     .      Y
# shop decisions: any town staff
vendorApprove                         .    .    .     .     .     .     Y    Y     .      Y
vendorSuspend                         .    .    .     .     .     .     Y    Y     .      Y
vendorReinstate                       .    .    .     .     .     .     Y    Y     .      Y
# one's own account
accountRegister                       Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
tokenCreate                           Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
tokenRefresh                          Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
accountDataExport                     .    Y    Y     Y     Y     Y     Y    Y     Y      Y
accountDelete                         .    Y    Y     Y     Y     Y     Y    Y     Y      Y
vendorApply                           .    Y    Y     Y     Y     Y     Y    Y     Y      Y
vendorInvitationAccept                .    Y    .     .     .     .     .    .     .      .
# shop A: its owners
vendorUpdate                          .    .    .     Y     .     .     .    .     .      .
vendorMemberInvite                    .    .    .     Y     .     .     .    .     .      .
vendorMemberRemove                    .    .    .     Y     .     .     .    .     .      .
vendorOwnershipTransfer               .    .    .     Y     .     .     .    .     .      .
# shop A: its members
vendorPaymentOnboard                  .    .    .     Y     Y     .     .    .     .      .
productCreate                         .    .    .     Y     Y     .     .    .     .      .
productUpdate                         .    .    .     Y     Y     .     .    .     .      .
productDelete                         .    .    .     Y     Y     .     .    .     .      .
productPublish                        .    .    .     Y     Y     .     .    .     .      .
productImageUpload                    .    .    .     Y     Y     .     .    .     .      .
stockUpdate                           .    .    .     Y     Y     .     .    .     .      .
stockAdjust                           .    .    .     Y     Y     .     .    .     .      .
catalogImport                         .    .    .     Y     Y     .     .    .     .      .
shopOrderAccept                       .    .    .     Y     Y     .     .    .     .      .
shopOrderRefuse                       .    .    .     Y     Y     .     .    .     .      .
shopOrderMarkReady                    .    .    .     Y     Y     .     .    .     .      .
shopOrderFulfil                       .    .    .     Y     Y     .     .    .     .      .
# orders: members, town staff, and the customer where the customer may
shopOrderRefund                       .    .    .     Y     Y     .     Y    Y     .      Y
shopOrderCancel                       .    .    Y     Y     Y     .     Y    Y     .      Y
orderCancel                           .    .    Y     .     .     .     Y    Y     .      Y
orderCancel:guest                     Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
# checkout: a logged-in user's is theirs; a guest's is reached by its id
checkoutCreate                        Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
checkoutLinesAdd                      .    .    Y     .     .     .     .    .     .      .
checkoutLinesAdd:guest                Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
checkoutLinesUpdate                   .    .    Y     .     .     .     .    .     .      .
checkoutLineDelete                    .    .    Y     .     .     .     .    .     .      .
checkoutDeliveryMethodUpdate          .    .    Y     .     .     .     .    .     .      .
checkoutEmailUpdate                   .    .    Y     .     .     .     .    .     .      .
checkoutEmailUpdate:guest             Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
checkoutContactUpdate                 .    .    Y     .     .     .     .    .     .      .
checkoutContactUpdate:guest           Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
checkoutComplete                      .    .    Y     .     .     .     .    .     .      .
# private queries (Y: sees it; .: null, empty or PERMISSION_DENIED)
me                                    .    Y    Y     Y     Y     Y     Y    Y     Y      Y
myVendors                             .    .    .     Y     Y     .     .    .     .      .
checkout                              .    .    Y     .     .     .     .    .     .      .
order                                 .    .    Y     .     .     .     Y    Y     .      Y
orderByToken                          Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
node:Order                            .    .    Y     .     .     .     Y    Y     .      Y
node:Order+token                      Y    Y    Y     Y     Y     Y     Y    Y     Y      Y
node:ShopOrder                        .    .    Y     Y     Y     .     Y    Y     .      Y
node:VendorMember                     .    .    .     Y     Y     .     Y    Y     .      Y
shopOrders                            .    .    .     Y     Y     .     Y    Y     .      Y
vendorPaymentAccount                  .    .    .     Y     Y     .     Y    Y     .      Y
vendorDataExport                      .    .    .     Y     Y     .     .    .     .      .
catalogExport                         .    .    .     Y     Y     .     .    .     .      .
vendor:private                        .    .    .     Y     Y     .     Y    Y     .      Y
townStaff                             .    .    .     .     .     .     Y    Y     .      Y
auditLog:private                      .    .    .     .     .     .     Y    Y     .      Y
"""

# Query fields anyone may read in full (no line needed above), and why.
PUBLIC_QUERIES = {
    "towns": "the list of towns",
    "town": "a town's public page",
    "categories": "the shared taxonomy",
    "vendor": "an approved shop's public profile (its private fields: the line vendor:private)",
    "product": "an approved shop's product (its stock figures follow vendor:private)",
    "search": "the catalogue of approved shops",
    "commissionRules": "governance is public: the rules in force",
    "townSettings": "governance is public: the refund and fee policy",
    "transparencyReport": "governance is public: the monthly figures",
    "auditLog": "its public part (its private entries: the line auditLog:private)",
}

# Every refused mutation answers this code, unless its operation says otherwise.
DENIED = "PERMISSION_DENIED"


@dataclass(frozen=True)
class Operation:
    """How to run one line: the document, its variables in the world, and what success is."""

    document: str
    variables: Callable[[World], dict[str, Any]] = lambda w: {}
    # For a mutation: allowed changes some table (False: it may change nothing, as a read).
    changes: bool = True
    # The code a refused logged-in user gets (anonymous users always get DENIED).
    refused_code: str = DENIED
    # For a query: whether the answer shows the private data (else it is hidden).
    seen: Callable[[dict[str, Any], World], bool] | None = None
    # A file sent as `$file` (multipart upload): (name, content).
    upload: tuple[str, bytes] | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def is_query(self) -> bool:
        return self.seen is not None


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


def _m(name: str, args: str, params: str = "", payload: str = "errors { code }") -> str:
    head = f"mutation({params})" if params else "mutation"
    return f"{head} {{ {name}{args} {{ {payload} }} }}"


STRIPE = {
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_123",
    "STRIPE_MAX_NETWORK_RETRIES": 0,
}


# A contact for checkoutContactUpdate (the address is dropped when no shop of the checkout delivers).
CONTACT = '{customerName: "Ana", email: "other@example.org", deliveryAddress: "1 rue Haute"}'
CSV = b"product,description,category,sku,variant_name,price,stock\nBrie,,fromages,BRIE,,7,3\n"

OPERATIONS: dict[str, Operation] = {
    # governance
    "townStaffGrant": Operation(
        _m(
            "townStaffGrant",
            '(town: "montpellier", email: "customer@example.org", role: MODERATOR)',
        )
    ),
    "townStaffRevoke": Operation(
        _m("townStaffRevoke", '(town: "montpellier", email: "modo2@asso.example")')
    ),
    "commissionRuleCreate": Operation(
        _m(
            "commissionRuleCreate",
            '(input: {town: "montpellier", vendor: $v, percentage: "4"})',
            "$v: ID!",
        ),
        lambda w: {"v": w.ids["shop_b"]},
    ),
    "commissionRuleUpdate": Operation(
        _m("commissionRuleUpdate", '(id: $id, input: {percentage: "6"})', "$id: ID!"),
        lambda w: {"id": w.ids["rule"]},
    ),
    "commissionRuleEnd": Operation(
        _m("commissionRuleEnd", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["rule"]}
    ),
    "townSettingsUpdate": Operation(
        _m("townSettingsUpdate", '(town: "montpellier", input: {refundCommission: false})')
    ),
    "vendorApprove": Operation(
        _m("vendorApprove", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["pending"]}
    ),
    "vendorSuspend": Operation(
        _m("vendorSuspend", '(id: $id, reason: "Fraude")', "$id: ID!"),
        lambda w: {"id": w.ids["shop_a"]},
    ),
    "vendorReinstate": Operation(
        _m("vendorReinstate", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["suspended"]}
    ),
    # accounts
    "accountRegister": Operation(
        _m(
            "accountRegister",
            '(input: {email: $email, password: "a-long-enough-secret-2026", firstName: "N"})',
            "$email: String!",
        ),
        lambda w: {"email": w.values["new_email"]},
    ),
    "tokenCreate": Operation(
        _m(
            "tokenCreate",
            '(email: "customer@example.org", password: "correct-horse-battery-staple")',
        ),
        changes=False,
    ),
    "tokenRefresh": Operation(
        _m("tokenRefresh", "(refreshToken: $t)", "$t: String!"),
        lambda w: {"t": w.values["refresh_token"]},
    ),
    "accountDataExport": Operation(_m("accountDataExport", ""), changes=False),
    "accountDelete": Operation(_m("accountDelete", '(password: "correct-horse-battery-staple")')),
    "vendorApply": Operation(
        _m("vendorApply", '(input: {town: "montpellier", name: "Nouvelle boutique"})')
    ),
    "vendorInvitationAccept": Operation(
        _m("vendorInvitationAccept", '(token: "matrix-invitation")'),
        refused_code="INVITATION_EMAIL_MISMATCH",
    ),
    # shop A: owners
    "vendorUpdate": Operation(
        _m("vendorUpdate", '(id: $id, input: {name: "Pirate"})', "$id: ID!"),
        lambda w: {"id": w.ids["shop_a"]},
    ),
    "vendorMemberInvite": Operation(
        _m("vendorMemberInvite", '(vendor: $v, email: "new-staff@example.org")', "$v: ID!"),
        lambda w: {"v": w.ids["shop_a"]},
    ),
    "vendorMemberRemove": Operation(
        _m("vendorMemberRemove", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["staff2"]}
    ),
    "vendorOwnershipTransfer": Operation(
        _m("vendorOwnershipTransfer", "(vendor: $v, member: $m)", "$v: ID!, $m: ID!"),
        lambda w: {"v": w.ids["shop_a"], "m": w.ids["staff_member"]},
    ),
    # shop A: members
    "vendorPaymentOnboard": Operation(
        _m("vendorPaymentOnboard", "(vendor: $v)", "$v: ID!"),
        lambda w: {"v": w.ids["shop_a"]},
        settings=STRIPE,
    ),
    "productCreate": Operation(
        _m(
            "productCreate",
            '(input: {vendor: $v, name: "Brie", category: "fromages", '
            'variants: [{sku: "BRIE", price: "7"}]})',
            "$v: ID!",
        ),
        lambda w: {"v": w.ids["shop_a"]},
    ),
    "productUpdate": Operation(
        _m("productUpdate", '(id: $id, input: {name: "Pirate"})', "$id: ID!"),
        lambda w: {"id": w.ids["product"]},
    ),
    "productDelete": Operation(
        _m("productDelete", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["product"]}
    ),
    "productPublish": Operation(
        _m("productPublish", "(id: $id, published: false)", "$id: ID!"),
        lambda w: {"id": w.ids["product"]},
    ),
    "productImageUpload": Operation(
        _m("productImageUpload", "(product: $p, file: $file)", "$p: ID!, $file: Upload!"),
        lambda w: {"p": w.ids["product"]},
        upload=("tomme.png", _png()),
    ),
    "stockUpdate": Operation(
        _m("stockUpdate", "(variant: $v, quantity: 1)", "$v: ID!"),
        lambda w: {"v": w.ids["variant"]},
    ),
    "stockAdjust": Operation(
        _m("stockAdjust", "(variant: $v, delta: 1, reason: RECEIVED)", "$v: ID!"),
        lambda w: {"v": w.ids["variant"]},
    ),
    "catalogImport": Operation(
        _m("catalogImport", "(vendor: $v, file: $file)", "$v: ID!, $file: Upload!"),
        lambda w: {"v": w.ids["shop_a"]},
        upload=("catalogue.csv", CSV),
    ),
    "shopOrderAccept": Operation(
        _m("shopOrderAccept", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["paid"]}
    ),
    "shopOrderRefuse": Operation(
        _m("shopOrderRefuse", '(id: $id, reason: "Rupture")', "$id: ID!"),
        lambda w: {"id": w.ids["paid"]},
    ),
    "shopOrderMarkReady": Operation(
        _m("shopOrderMarkReady", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["accepted"]}
    ),
    "shopOrderFulfil": Operation(
        _m("shopOrderFulfil", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["ready"]}
    ),
    # orders
    "shopOrderRefund": Operation(
        _m("shopOrderRefund", '(id: $id, amount: "5.00")', "$id: ID!"),
        lambda w: {"id": w.ids["paid"]},
    ),
    "shopOrderCancel": Operation(
        _m("shopOrderCancel", '(id: $id, reason: "Erreur")', "$id: ID!"),
        lambda w: {"id": w.ids["paid"]},
    ),
    "orderCancel": Operation(
        _m("orderCancel", "(id: $id)", "$id: ID!"), lambda w: {"id": w.ids["unpaid_order"]}
    ),
    "orderCancel:guest": Operation(
        _m("orderCancel", "(id: $id, token: $t)", "$id: ID!, $t: UUID!"),
        lambda w: {"id": w.ids["guest_order"], "t": w.values["guest_order_token"]},
    ),
    # checkout
    "checkoutCreate": Operation(
        _m(
            "checkoutCreate",
            '(input: {town: "montpellier", email: "x@example.org", '
            "lines: [{variantId: $v, quantity: 1}]})",
            "$v: ID!",
        ),
        lambda w: {"v": w.ids["variant"]},
    ),
    "checkoutLinesAdd": Operation(
        _m(
            "checkoutLinesAdd",
            "(id: $id, lines: [{variantId: $v, quantity: 2}])",
            "$id: ID!, $v: ID!",
        ),
        lambda w: {"id": w.ids["checkout"], "v": w.ids["variant"]},
    ),
    "checkoutLinesAdd:guest": Operation(
        _m(
            "checkoutLinesAdd",
            "(id: $id, lines: [{variantId: $v, quantity: 2}])",
            "$id: ID!, $v: ID!",
        ),
        lambda w: {"id": w.ids["guest_checkout"], "v": w.ids["variant"]},
    ),
    "checkoutLinesUpdate": Operation(
        _m(
            "checkoutLinesUpdate",
            "(id: $id, lines: [{variantId: $v, quantity: 3}])",
            "$id: ID!, $v: ID!",
        ),
        lambda w: {"id": w.ids["checkout"], "v": w.ids["variant"]},
    ),
    "checkoutLineDelete": Operation(
        _m("checkoutLineDelete", "(id: $id, lineId: $l)", "$id: ID!, $l: ID!"),
        lambda w: {"id": w.ids["checkout"], "l": w.ids["checkout_line"]},
    ),
    "checkoutDeliveryMethodUpdate": Operation(
        _m(
            "checkoutDeliveryMethodUpdate",
            "(id: $id, vendor: $v, method: PICKUP)",
            "$id: ID!, $v: ID!",
        ),
        lambda w: {"id": w.ids["checkout"], "v": w.ids["shop_a"]},
    ),
    "checkoutEmailUpdate": Operation(
        _m("checkoutEmailUpdate", '(id: $id, email: "other@example.org")', "$id: ID!"),
        lambda w: {"id": w.ids["checkout"]},
    ),
    "checkoutEmailUpdate:guest": Operation(
        _m("checkoutEmailUpdate", '(id: $id, email: "other@example.org")', "$id: ID!"),
        lambda w: {"id": w.ids["guest_checkout"]},
    ),
    "checkoutContactUpdate": Operation(
        _m("checkoutContactUpdate", f"(id: $id, input: {CONTACT})", "$id: ID!"),
        lambda w: {"id": w.ids["checkout"]},
    ),
    "checkoutContactUpdate:guest": Operation(
        _m("checkoutContactUpdate", f"(id: $id, input: {CONTACT})", "$id: ID!"),
        lambda w: {"id": w.ids["guest_checkout"]},
    ),
    "checkoutComplete": Operation(
        _m("checkoutComplete", "(id: $id)", "$id: ID!"),
        lambda w: {"id": w.ids["checkout"]},
        settings={"PAYMENT_GATEWAY": "dummy"},
    ),
    # private queries
    "me": Operation("{ me { email } }", seen=lambda d, w: d["me"] is not None),
    "myVendors": Operation(
        "{ myVendors { slug } }", seen=lambda d, w: {"slug": "fromagerie"} in d["myVendors"]
    ),
    "checkout": Operation(
        "query($id: ID!) { checkout(id: $id) { id } }",
        lambda w: {"id": w.ids["checkout"]},
        seen=lambda d, w: d["checkout"] is not None,
    ),
    "order": Operation(
        "query($id: ID!) { order(id: $id) { number } }",
        lambda w: {"id": w.ids["paid_order"]},
        seen=lambda d, w: d["order"] is not None,
    ),
    "orderByToken": Operation(
        "query($t: UUID!) { orderByToken(token: $t) { number } }",
        lambda w: {"t": w.values["paid_order_token"]},
        seen=lambda d, w: d["orderByToken"] is not None,
    ),
    "node:Order": Operation(
        "query($id: ID!) { node(id: $id) { id } }",
        lambda w: {"id": w.ids["paid_order"]},
        seen=lambda d, w: d["node"] is not None,
    ),
    # A guest's order, seen by whoever gave its token earlier in the same request.
    "node:Order+token": Operation(
        "query($t: UUID!, $id: ID!) { orderByToken(token: $t) { id } node(id: $id) { id } }",
        lambda w: {"t": w.values["guest_order_token"], "id": w.ids["guest_order"]},
        seen=lambda d, w: d["node"] is not None,
    ),
    "node:ShopOrder": Operation(
        "query($id: ID!) { node(id: $id) { id } }",
        lambda w: {"id": w.ids["paid"]},
        seen=lambda d, w: d["node"] is not None,
    ),
    "node:VendorMember": Operation(
        "query($id: ID!) { node(id: $id) { id } }",
        lambda w: {"id": w.ids["staff_member"]},
        seen=lambda d, w: d["node"] is not None,
    ),
    "shopOrders": Operation(
        "query($v: ID!) { shopOrders(vendor: $v) { totalCount } }",
        lambda w: {"v": w.ids["shop_a"]},
        seen=lambda d, w: d["shopOrders"] is not None and d["shopOrders"]["totalCount"] > 0,
    ),
    "vendorPaymentAccount": Operation(
        "query($v: ID!) { vendorPaymentAccount(vendor: $v) { chargesEnabled } }",
        lambda w: {"v": w.ids["shop_a"]},
        seen=lambda d, w: True,  # null before onboarding; refused: PERMISSION_DENIED
    ),
    "vendorDataExport": Operation(
        "query($id: ID!) { vendorDataExport(id: $id) }",
        lambda w: {"id": w.ids["shop_a"]},
        seen=lambda d, w: d["vendorDataExport"] is not None,
    ),
    "catalogExport": Operation(
        "query($v: ID!) { catalogExport(vendor: $v) }",
        lambda w: {"v": w.ids["shop_a"]},
        seen=lambda d, w: d["catalogExport"] is not None,
    ),
    "vendor:private": Operation(
        '{ vendor(town: "montpellier", slug: "fromagerie") { members { email } } }',
        seen=lambda d, w: d["vendor"]["members"] is not None,
    ),
    "townStaff": Operation(
        '{ townStaff(town: "montpellier") { role } }', seen=lambda d, w: d["townStaff"] != []
    ),
    "auditLog:private": Operation(
        '{ auditLog(town: "montpellier") { totalCount } }',
        seen=lambda d, w: d["auditLog"]["totalCount"] == 1,
    ),
}


def parse_matrix() -> dict[str, dict[str, bool]]:
    """{line: {actor: allowed}} from MATRIX."""
    rows: dict[str, dict[str, bool]] = {}
    lines = [x for x in MATRIX.strip().splitlines() if x.strip() and not x.startswith("#")]
    header, body = lines[0].split(), lines[1:]
    assert tuple(header[1:]) == COLUMNS, header
    for text in body:
        name, *cells = text.split()
        assert len(cells) == len(ACTORS), f"{name}: {len(cells)} cells"
        assert set(cells) <= {"Y", "."}, f"{name}: {cells}"
        assert name not in rows, f"{name} twice"
        rows[name] = {actor: cell == "Y" for actor, cell in zip(ACTORS, cells, strict=True)}
    return rows
