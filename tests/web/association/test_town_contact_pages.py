"""The association's contact email with Django's test client: its administrators set it on the
town's settings page (a French error beside the field when it is not an address, nothing changed),
and the customers' pages of the town link to it in their footer."""

import re

import pytest

from marketplace.governance.models import AuditEntry, TownSettings
from marketplace.towns.models import Town

pytestmark = pytest.mark.django_db

SETTINGS = "/association/rennes/reglages/"
MAILTO = re.compile(r'<a href="mailto:([^"]*)">([^<]*)</a>')


@pytest.fixture
def as_rennes_admin(client, rennes_admin):
    client.force_login(rennes_admin)
    return client


def _field_group(page: str, name: str) -> str:
    """The form row that holds the field `name` (its label, help, errors and input)."""
    form = page[page.index('<form method="post" novalidate>') :]
    (row,) = [
        chunk.split("</form>")[0]
        for chunk in form.split('<div class="form-row">')[1:]
        if f'name="{name}"' in chunk
    ]
    return row


def _footer(page: str) -> str:
    (footer,) = re.findall(r'<footer class="site-footer">.*?</footer>', page, re.S)
    return footer


def test_the_settings_page_shows_the_current_address_in_its_field(as_rennes_admin, rennes):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")

    page = as_rennes_admin.get(SETTINGS).content.decode()

    row = _field_group(page, "contact_email")
    assert "Adresse e-mail de contact de l’association" in row
    assert 'type="email"' in row and 'value="bureau@rennes.example"' in row


def test_an_administrator_sets_the_address_and_the_change_is_audited(as_rennes_admin, rennes):
    response = as_rennes_admin.post(
        SETTINGS,
        {
            "refund_commission": "on",
            "stripe_fees_payer": "association",
            "contact_email": " Bureau@Rennes.example ",
        },
    )

    assert response.status_code == 302
    rennes.refresh_from_db()
    assert rennes.contact_email == "bureau@rennes.example"
    entry = AuditEntry.objects.get(action="town_settings.update")
    assert (entry.before["contact_email"], entry.after["contact_email"]) == (
        "",
        "bureau@rennes.example",
    )
    log = as_rennes_admin.get("/association/rennes/journal/").content.decode()
    assert (
        "<dt>Adresse e-mail de contact de l’association</dt>"
        '<dd class="reason">— → bureau@rennes.example</dd>'
    ) in log


def test_an_invalid_address_is_a_french_error_beside_the_field_and_nothing_changes(
    as_rennes_admin, rennes
):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")

    response = as_rennes_admin.post(
        SETTINGS, {"stripe_fees_payer": "vendor", "contact_email": "bureau-rennes.example"}
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("contact_email", "INVALID")
    row = _field_group(response.content.decode(), "contact_email")
    assert "Saisissez une adresse e-mail valide, par exemple association@example.org." in row
    assert 'value="bureau-rennes.example"' in row
    assert 'aria-invalid="true"' in row
    rennes.refresh_from_db()
    assert rennes.contact_email == "bureau@rennes.example"
    assert not TownSettings.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_moderator_reads_the_address_and_cannot_change_it(client, rennes, rennes_moderator):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")
    client.force_login(rennes_moderator)

    page = client.get(SETTINGS).content.decode()
    refused = client.post(SETTINGS, {"stripe_fees_payer": "vendor", "contact_email": ""})

    assert 'name="contact_email"' not in page
    assert (
        "<dt>Adresse e-mail de contact de l’association</dt>"
        '<dd><a href="mailto:bureau@rennes.example">bureau@rennes.example</a></dd>'
    ) in page
    assert refused.status_code == 404
    rennes.refresh_from_db()
    assert rennes.contact_email == "bureau@rennes.example"


def test_the_pages_of_a_town_with_an_address_link_to_it_in_their_footer(client, rennes):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")

    for path in ("/villes/rennes/", "/transparence/rennes/"):
        footer = _footer(client.get(path).content.decode())
        assert MAILTO.findall(footer) == [("bureau@rennes.example", "Contacter l’association")], (
            path
        )
        # French typography: a no-break space before the colon, as on every customer page.
        assert "Contacter l’association</a>\xa0: bureau@rennes.example" in footer, path


def test_the_footer_is_in_english_on_request(client, rennes):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")

    page = client.get("/villes/rennes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (
        '<a href="mailto:bureau@rennes.example">Contact the association</a>: bureau@rennes.example'
    ) in _footer(page)


def test_a_town_without_an_address_and_a_page_of_no_town_have_no_contact_link(
    client, rennes, nancy
):
    Town.objects.filter(pk=rennes.pk).update(contact_email="bureau@rennes.example")
    # Rennes' footer first: the other pages must not reuse it.
    assert MAILTO.findall(_footer(client.get("/villes/rennes/").content.decode()))

    for path in ("/villes/nancy/", "/transparence/nancy/", "/", "/transparence/"):
        footer = _footer(client.get(path).content.decode())
        assert "mailto:" not in footer, path
        assert "Contacter l’association" not in footer, path
