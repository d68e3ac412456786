"""A shop's members: invitations, removal, ownership transfer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.requester import Requester
from marketplace.core.outbox import Cause, queue_task_on_commit
from vendors.error_codes import VendorErrorCode
from vendors.models import Vendor, VendorInvitation, VendorMember, VendorRole
from vendors.tasks import send_vendor_invitation
from vendors.validation import field_error


@dataclass(frozen=True)
class InviteResult:
    member: VendorMember | None
    invitation: VendorInvitation | None


def _lock_members(vendor_id: int) -> list[VendorMember]:
    """Lock the shop row then its memberships (in pk order): membership changes are serialised."""
    Vendor.objects.select_for_update().filter(pk=vendor_id).first()
    return list(VendorMember.objects.select_for_update().filter(vendor_id=vendor_id).order_by("pk"))


def vendor_member_invite(
    *, vendor_id: int, email: str, role: str = VendorRole.STAFF, invited_by: Requester
) -> InviteResult:
    """A pending invitation is emailed, whether or not an account has this address: nobody
    becomes a member (least of all an owner) without accepting, and the answer is the same
    either way, so it tells nobody whether an account exists."""
    address = str(email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise field_error(
            "email", _("Enter a valid email address."), VendorErrorCode.INVALID
        ) from error
    if role not in VendorRole.values:
        raise field_error("role", _("Unknown role."), VendorErrorCode.INVALID)
    with transaction.atomic():
        members = _lock_members(vendor_id)
        if User.objects.filter(
            pk__in=[member.user_id for member in members], email__iexact=address
        ).exists():
            raise field_error(
                "email",
                _("This person is already a member of the shop."),
                VendorErrorCode.ALREADY_MEMBER,
            )
        if VendorInvitation.objects.filter(
            vendor_id=vendor_id, email=address, accepted_at__isnull=True
        ).exists():
            raise field_error(
                "email", _("An invitation is already pending."), VendorErrorCode.ALREADY_MEMBER
            )
        invitation = VendorInvitation.objects.create(
            vendor_id=vendor_id,
            email=address,
            role=role,
            token=secrets.token_urlsafe(32),
            invited_by=invited_by if invited_by.is_authenticated else None,
        )
        queue_task_on_commit(
            send_vendor_invitation,
            cause=Cause("vendor_invitation", invitation.pk, "invited"),
            invitation_id=invitation.pk,
        )
    return InviteResult(member=None, invitation=invitation)


def invitation_accept_link(invitation: VendorInvitation) -> str:
    """The back office's page that accepts the invitation, its code in the link."""
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    # By its URL name: the back office's pages are above this layer (nothing imported).
    path = reverse("merchant:invitation")
    return f"{base}{path}?{urlencode({'code': invitation.token})}"


def _pending_invitation(*, vendor_id: int, invitation_id: int) -> VendorInvitation:
    """A pending invitation of the shop, locked (after the shop's row, like membership changes)."""
    _lock_members(vendor_id)
    invitation = (
        VendorInvitation.objects.select_for_update()
        .filter(pk=invitation_id, vendor_id=vendor_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise field_error(
            "id", _("This invitation is no longer pending."), VendorErrorCode.NOT_FOUND
        )
    return invitation


def vendor_invitation_cancel(*, vendor_id: int, invitation_id: int) -> VendorInvitation:
    """Withdraw a pending invitation of the shop: its link stops working."""
    with transaction.atomic():
        invitation = _pending_invitation(vendor_id=vendor_id, invitation_id=invitation_id)
        invitation.delete()
    invitation.pk = invitation_id
    return invitation


def vendor_invitation_resend(*, vendor_id: int, invitation_id: int) -> VendorInvitation:
    """Email a pending invitation of the shop again (same link), once the transaction commits."""
    with transaction.atomic():
        invitation = _pending_invitation(vendor_id=vendor_id, invitation_id=invitation_id)
        invitation.sent_at = None
        invitation.save(update_fields=["sent_at"])
        queue_task_on_commit(
            send_vendor_invitation,
            cause=Cause("vendor_invitation", invitation.pk, "resent"),
            invitation_id=invitation.pk,
        )
    return invitation


def vendor_invitation_send(*, invitation_id: int) -> bool:
    """Email the invitation once (idempotent); True when an email went out."""
    with transaction.atomic():
        invitation = (
            VendorInvitation.objects.select_for_update()
            .select_related("vendor")
            .filter(pk=invitation_id, accepted_at__isnull=True, sent_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        send_mail(
            subject=_("You are invited to join %(shop)s") % {"shop": invitation.vendor.name},
            message=_(
                "You are invited to help run %(shop)s on the town's marketplace.\n"
                "To accept, open this link, then log in or create an account with this email "
                "address (%(email)s):\n%(link)s"
            )
            % {
                "shop": invitation.vendor.name,
                "email": invitation.email,
                "link": invitation_accept_link(invitation),
            },
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def _accept(invitation: VendorInvitation, user: User) -> VendorMember:
    member = VendorMember.objects.filter(vendor_id=invitation.vendor_id, user_id=user.pk).first()
    if member is None:
        member = VendorMember.objects.create(
            vendor_id=invitation.vendor_id, user_id=user.pk, role=invitation.role
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return member


def vendor_invitation_accept(*, token: str, user: User) -> VendorMember:
    """The logged-in account with the invited email accepts the invitation."""
    with transaction.atomic():
        invitation = (
            VendorInvitation.objects.select_for_update()
            .filter(token=str(token or ""), accepted_at__isnull=True)
            .first()
        )
        if invitation is None:
            raise field_error("token", _("Unknown or used invitation."), VendorErrorCode.NOT_FOUND)
        if invitation.email.lower() != str(user.email).lower():
            raise field_error(
                "token",
                _("This invitation was sent to another email address."),
                VendorErrorCode.INVITATION_EMAIL_MISMATCH,
            )
        return _accept(invitation, user)


def vendor_invitations_claim(*, user_id: int) -> list[VendorMember]:
    """Every pending invitation of this account's email becomes a membership (at registration)."""
    user = User.objects.get(pk=user_id)
    with transaction.atomic():
        pending = list(
            VendorInvitation.objects.select_for_update()
            .filter(email__iexact=user.email, accepted_at__isnull=True)
            .order_by("pk")
        )
        return [_accept(invitation, user) for invitation in pending]


def vendor_member_remove(*, member_id: int) -> VendorMember:
    """Remove a membership; the shop always keeps at least one owner."""
    member = VendorMember.objects.filter(pk=member_id).first()
    if member is None:
        raise field_error("id", _("Unknown member."), VendorErrorCode.NOT_FOUND)
    with transaction.atomic():
        members = _lock_members(member.vendor_id)
        target = next((m for m in members if m.pk == member_id), None)
        if target is None:
            raise field_error("id", _("Unknown member."), VendorErrorCode.NOT_FOUND)
        owners = [m for m in members if m.role == VendorRole.OWNER]
        if target.role == VendorRole.OWNER and len(owners) <= 1:
            raise field_error(
                "id",
                _("A shop needs an owner: transfer the ownership first."),
                VendorErrorCode.LAST_OWNER,
            )
        target.delete()
    target.pk = member_id
    return target


def vendor_ownership_transfer(*, vendor_id: int, from_user_id: int, to_member_id: int) -> Vendor:
    """The owner `from_user_id` hands the shop to another member and becomes staff."""
    with transaction.atomic():
        members = _lock_members(vendor_id)
        current = next((m for m in members if m.user_id == from_user_id), None)
        target = next((m for m in members if m.pk == to_member_id), None)
        if current is None or current.role != VendorRole.OWNER:
            raise field_error(
                "vendor",
                _("Only an owner can transfer the shop."),
                VendorErrorCode.PERMISSION_DENIED,
            )
        if target is None:
            raise field_error(
                "member",
                _("This person is not a member of the shop."),
                VendorErrorCode.NOT_A_MEMBER,
            )
        if target.pk == current.pk:
            raise field_error("member", _("You already own this shop."), VendorErrorCode.INVALID)
        target.role = VendorRole.OWNER
        target.save(update_fields=["role"])
        current.role = VendorRole.STAFF
        current.save(update_fields=["role"])
    return Vendor.objects.get(pk=vendor_id)


def vendor_invitations_send_unsent(*, older_than_seconds: int = 60) -> int:
    """Send the invitations whose on-commit task never ran (broker down); the beat sweeper."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        VendorInvitation.objects.filter(
            accepted_at__isnull=True, sent_at__isnull=True, created_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if vendor_invitation_send(invitation_id=pk))
