"""Creating customer accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User, normalize_email
from marketplace.accounts.tasks import send_welcome_email
from marketplace.core.outbox import Cause, queue_task_on_commit


def _check_lengths(**values: str) -> None:
    """Each text within its column's length (an error per field, nothing stored)."""
    errors = {}
    for field, value in values.items():
        max_length = getattr(User._meta.get_field(field), "max_length", None)
        if max_length is not None and len(value) > max_length:
            errors[field] = ValidationError(
                _("At most %(max)d characters.") % {"max": max_length},
                code=AccountErrorCode.INVALID.value,
            )
    if errors:
        raise ValidationError(errors)


def account_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", language: str = "fr"
) -> User:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Enter a valid email address."), code=AccountErrorCode.INVALID.value
                )
            }
        ) from error
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("An account with this email already exists."),
                    code=AccountErrorCode.UNIQUE.value,
                )
            }
        )
    _check_lengths(first_name=first_name.strip(), last_name=last_name.strip())
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError(
            {
                "password": ValidationError(
                    " ".join(error.messages), code=AccountErrorCode.PASSWORD_TOO_WEAK.value
                )
            }
        ) from error
    candidate.language = language if language in {"fr", "en"} else "fr"
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
            queue_task_on_commit(
                send_welcome_email,
                cause=Cause("user", candidate.pk, "registered"),
                user_id=candidate.pk,
            )
    except IntegrityError as error:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("An account with this email already exists."),
                    code=AccountErrorCode.UNIQUE.value,
                )
            }
        ) from error
    return candidate
