"""The town's association has a contact email: its administrators set it through the settings
service (checked, audited, nothing changed when refused), the town's file may give it, the API
reads it, and the shops' decision emails answer to it."""

from __future__ import annotations

import copy
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from marketplace.governance.models import AuditAction, AuditEntry, TownSettings
from marketplace.governance.notifications import vendor_decision_email_send
from marketplace.governance.town_settings import town_settings_update
from marketplace.towns.loading import TownsFileError, load_towns
from marketplace.towns.models import Town, TownStaffRole
from tests.factories import TownFactory, TownStaffFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return TownFactory(slug="sete", name="Sète")


@pytest.fixture
def admin(town):
    return TownStaffFactory(town=town, role=TownStaffRole.ADMIN).user


def _one_town(towns_data, **town_fields):
    """The demo file cut down to its first town and that town's first shop."""
    data = copy.deepcopy(towns_data)
    first = data["towns"][0]
    first["vendors"] = first["vendors"][:1]
    first.pop("contact_email", None)
    first.update(town_fields)
    data["towns"] = [first]
    return data


# --- The settings service -------------------------------------------------------------------------


def test_an_administrator_sets_the_address_trimmed_and_in_lower_case_and_it_is_audited(town, admin):
    town_settings_update(town_id=town.pk, actor=admin, contact_email="  Bureau@Sete-Commerces.FR ")

    town.refresh_from_db()
    assert town.contact_email == "bureau@sete-commerces.fr"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.town_id, entry.actor, entry.actor_role) == (
        AuditAction.TOWN_SETTINGS_UPDATE,
        town.pk,
        admin,
        "admin",
    )
    assert entry.before == {"contact_email": ""}
    assert entry.after == {"contact_email": "bureau@sete-commerces.fr"}


def test_an_empty_address_removes_it(town, admin):
    Town.objects.filter(pk=town.pk).update(contact_email="bureau@sete.example")

    town_settings_update(town_id=town.pk, actor=admin, contact_email="")

    town.refresh_from_db()
    assert town.contact_email == ""
    entry = AuditEntry.objects.get()
    assert (entry.before, entry.after) == (
        {"contact_email": "bureau@sete.example"},
        {"contact_email": ""},
    )


@pytest.mark.parametrize(
    "address", ["bureau", "bureau@", "@sete.example", "bureau @sete.example", "a" * 250 + "@x.fr"]
)
def test_an_invalid_address_is_refused_in_french_beside_its_field_and_nothing_changes(
    town, admin, address
):
    Town.objects.filter(pk=town.pk).update(contact_email="bureau@sete.example")

    with pytest.raises(ValidationError) as raised:
        town_settings_update(
            town_id=town.pk, actor=admin, contact_email=address, stripe_fees_payer="vendor"
        )

    (error,) = raised.value.error_dict["contact_email"]
    assert error.code == "INVALID"
    assert error.messages == [
        "Saisissez une adresse e-mail valide, par exemple association@example.org."
    ]
    town.refresh_from_db()
    assert town.contact_email == "bureau@sete.example"
    assert not TownSettings.objects.exists()
    assert not AuditEntry.objects.exists()


def test_other_settings_leave_the_address_alone(town, admin):
    Town.objects.filter(pk=town.pk).update(contact_email="bureau@sete.example")

    town_settings_update(town_id=town.pk, actor=admin, refund_commission=False)

    town.refresh_from_db()
    assert town.contact_email == "bureau@sete.example"
    assert "contact_email" not in AuditEntry.objects.get().after


# --- The town's file ------------------------------------------------------------------------------


def test_the_demo_towns_each_give_their_associations_address(towns_data):
    load_towns(towns_data)

    assert dict(Town.objects.values_list("slug", "contact_email")) == {
        "montpellier": "association@montpellier.example",
        "nancy": "association@nancy.example",
        "rennes": "association@rennes.example",
        "saint-etienne": "association@saint-etienne.example",
    }


def test_a_file_with_the_address_sets_it_and_loading_it_again_changes_nothing(towns_data):
    data = _one_town(towns_data, contact_email="Association@Montpellier.example")

    load_towns(copy.deepcopy(data))
    again = load_towns(copy.deepcopy(data))

    assert Town.objects.get().contact_email == "association@montpellier.example"
    assert not again.changed_anything


def test_a_file_without_the_address_keeps_the_one_the_staff_set(towns_data, admin):
    load_towns(_one_town(towns_data))
    town = Town.objects.get(slug="montpellier")
    assert town.contact_email == ""
    town_settings_update(town_id=town.pk, actor=admin, contact_email="bureau@montpellier.example")

    report = load_towns(_one_town(towns_data))

    assert not report.changed_anything
    town.refresh_from_db()
    assert town.contact_email == "bureau@montpellier.example"


def test_a_file_with_an_empty_address_removes_it(towns_data):
    load_towns(_one_town(towns_data, contact_email="association@montpellier.example"))

    report = load_towns(_one_town(towns_data, contact_email=""))

    assert report.updated == {"towns": 1}
    assert Town.objects.get().contact_email == ""


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("pas-une-adresse", "'pas-une-adresse' is not a valid email address"),
        (42, 'must be a string (an email address, or "" for none)'),
    ],
)
def test_a_bad_address_in_the_file_is_named_by_its_path_and_nothing_is_loaded(
    towns_data, value, problem
):
    with pytest.raises(TownsFileError) as raised:
        load_towns(_one_town(towns_data, contact_email=value))

    assert raised.value.problems == [f"towns[0].contact_email: {problem}"]
    assert not Town.objects.exists()


def test_the_load_towns_command_reads_the_address(towns_data, tmp_path):
    path = tmp_path / "towns.json"
    path.write_text(
        json.dumps(_one_town(towns_data, contact_email="association@montpellier.example")),
        encoding="utf-8",
    )
    call_command("load_towns", str(path), stdout=StringIO(), stderr=StringIO())
    assert Town.objects.get().contact_email == "association@montpellier.example"

    path.write_text(json.dumps(_one_town(towns_data, contact_email="non")), encoding="utf-8")
    with pytest.raises(CommandError, match=r"towns\[0\]\.contact_email: 'non' is not a valid"):
        call_command("load_towns", str(path), stdout=StringIO(), stderr=StringIO())
    assert Town.objects.get().contact_email == "association@montpellier.example"


# --- The API and the shops' decision emails -------------------------------------------------------


def test_the_api_reads_the_address_and_null_when_there_is_none(gql, town):
    TownFactory(slug="agde", name="Agde")
    Town.objects.filter(pk=town.pk).update(contact_email="bureau@sete.example")

    data = gql.execute(
        '{ sete: town(slug: "sete") { contactEmail } agde: town(slug: "agde") { contactEmail } }'
    )

    assert data == {"sete": {"contactEmail": "bureau@sete.example"}, "agde": {"contactEmail": None}}


def test_a_decision_email_answers_to_the_association_when_it_has_an_address(town, mailoutbox):
    Town.objects.filter(pk=town.pk).update(contact_email="bureau@sete.example")
    shop = VendorFactory(town=town, email="boutique@example.org")

    assert vendor_decision_email_send(vendor_id=shop.pk, action=AuditAction.VENDOR_APPROVE)

    (email,) = mailoutbox
    assert email.reply_to == ["bureau@sete.example"]
    assert email.message()["Reply-To"] == "bureau@sete.example"
    assert email.to == ["boutique@example.org"]


def test_a_decision_email_has_no_reply_to_when_the_town_has_no_address(town, mailoutbox):
    shop = VendorFactory(town=town, email="boutique@example.org")

    vendor_decision_email_send(vendor_id=shop.pk, action=AuditAction.VENDOR_SUSPEND)

    (email,) = mailoutbox
    assert email.reply_to == []
    assert email.message()["Reply-To"] is None
