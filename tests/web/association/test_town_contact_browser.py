"""In a real browser: an administrator gives the association's contact email on the town's settings
page (a mistyped address first: its error beside the field, read with it), then the town's pages
link to it in their footer. axe-core finds no serious or critical violation."""

import pytest

from marketplace.governance.models import AuditEntry
from marketplace.towns.models import Town
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_sets_the_contact_email_and_the_town_pages_link_to_it(
    web, rennes, rennes_admin
):
    web.login(rennes_admin.email, PASSWORD)
    web.open("/association/rennes/reglages/")
    assert web.find("label[for=id_contact_email]").text == (
        "Adresse e-mail de contact de l’association :"
    )

    # a mistyped address: the page says why beside the field, and nothing is saved
    web.fill("#id_contact_email", "bureau-rennes.example")
    web.find("main form[novalidate] button[type=submit]").click()
    error = web.wait_for("#id_contact_email_error")
    assert error.text == "Saisissez une adresse e-mail valide, par exemple association@example.org."
    field = web.find("#id_contact_email")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_contact_email_error" in field.get_attribute("aria-describedby").split()
    assert Town.objects.get(pk=rennes.pk).contact_email == ""
    assert web.axe() == []
    web.screenshots("association-settings-contact-error")

    # the address corrected: saved, audited, shown in the field
    web.fill("#id_contact_email", "bureau@rennes.example")
    web.find("main form[novalidate] button[type=submit]").click()
    assert "Les réglages de la ville sont enregistrés" in web.wait_for(".messages").text
    assert web.find("#id_contact_email").get_attribute("value") == "bureau@rennes.example"
    assert Town.objects.get(pk=rennes.pk).contact_email == "bureau@rennes.example"
    assert AuditEntry.objects.get().after["contact_email"] == "bureau@rennes.example"
    assert web.axe() == []

    # the town's page links to it in its footer
    web.open("/villes/rennes/")
    link = web.find("footer a[href^='mailto:']")
    assert (link.text, link.get_attribute("href")) == (
        "Contacter l’association",
        "mailto:bureau@rennes.example",
    )
    assert web.axe() == []
