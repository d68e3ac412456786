"""How people reach a town's governing association: its contact email (`Town.contact_email`).

One rule, read by the town's file loader and by the settings its administrators change
(`governance.town_settings.town_settings_update`): the address is kept trimmed and in lower case,
"" means the association gave none, anything else must be a valid email address.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from marketplace.accounts.models import normalize_email
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.towns.models import Town

CONTACT_EMAIL_MAX_LENGTH = Town._meta.get_field("contact_email").max_length or 254


def town_contact_email_clean(value: str) -> str:
    """The address as stored ("" for none); ValidationError(INVALID) when it is not an email."""
    email = normalize_email(value)
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as error:
        raise _invalid() from error
    if len(email) > CONTACT_EMAIL_MAX_LENGTH:
        raise _invalid()
    return email


def _invalid() -> ValidationError:
    return ValidationError(
        _("Enter a valid email address, such as association@example.org."),
        code=GovernanceErrorCode.INVALID.value,
    )
