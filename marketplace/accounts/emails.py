"""Emails to account holders, in their language (French by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.accounts.models import User


def welcome_email_send(*, user_id: int) -> bool:
    """Sends the welcome email; False when the user no longer exists."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Welcome to your town's marketplace")
        body = render_to_string(
            "accounts/email/welcome.txt", {"user": user, "site": settings.PUBLIC_BASE_URL}
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
