"""Item 12 of issue #15: the public audit log shows the staff member's role, not their name,
unless the town decides otherwise (a governance setting); the town's staff always see names."""

from __future__ import annotations

import pytest

from marketplace.towns.models import TownStaffRole
from tests.factories import TownFactory, TownStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT = '{ auditLog(town: "audit", first: 10) { edges { node { action actorName actorRole } } } }'
SETTINGS = """mutation($input: TownSettingsUpdateInput!) { townSettingsUpdate(town: "audit",
    input: $input) { townSettings { auditShowStaffNames } errors { code } } }"""


def test_the_public_sees_the_role_and_the_town_may_show_names(gql):
    town = TownFactory(slug="audit")
    admin = UserFactory(email="admin@example.org", first_name="Alice", last_name="Martin")
    TownStaffFactory(town=town, user=admin, role=TownStaffRole.ADMIN)
    gql.login(admin).execute(SETTINGS, {"input": {"refundCommission": False}})

    public = gql.logout().execute(AUDIT)["auditLog"]["edges"][0]["node"]
    staff = gql.login(admin).execute(AUDIT)["auditLog"]["edges"][0]["node"]
    shown = gql.execute(SETTINGS, {"input": {"auditShowStaffNames": True}})["townSettingsUpdate"]
    public_after = gql.logout().execute(AUDIT)["auditLog"]["edges"][0]["node"]

    assert public == {"action": "TOWN_SETTINGS_UPDATE", "actorName": "", "actorRole": "admin"}
    assert staff["actorName"] == "Alice Martin"
    assert shown == {"townSettings": {"auditShowStaffNames": True}, "errors": []}
    assert public_after["actorName"] == "Alice Martin"
