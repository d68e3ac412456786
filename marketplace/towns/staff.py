"""Granting and revoking the association's roles in a town (admin, moderator).

Who may call these is checked by the caller (GraphQL: a town admin or a superuser); the services
enforce the invariants: the user exists, the role is valid, a town keeps at least one admin.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User, normalize_email
from marketplace.governance.audit import audit_record
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import AuditAction
from marketplace.towns.models import Town, TownStaff, TownStaffRole


def _user_by_email(email: str) -> User:
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is None:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("No account uses this email address."),
                    code=GovernanceErrorCode.NOT_FOUND.value,
                )
            }
        )
    return user


def town_staff_grant(*, town_id: int, email: str, role: str, actor: User) -> TownStaff:
    """Gives `role` in the town to the account of `email`; changes the role if it has another."""
    if role not in TownStaffRole.values:
        raise ValidationError(
            {"role": ValidationError(_("Unknown role."), code=GovernanceErrorCode.INVALID.value)}
        )
    user = _user_by_email(email)
    with transaction.atomic():
        town = Town.objects.select_for_update().get(pk=town_id)
        staff = TownStaff.objects.filter(town=town, user=user).first()
        before = {"email": user.email, "role": staff.role} if staff else None
        if staff is not None and staff.role == role:
            raise ValidationError(
                {
                    "email": ValidationError(
                        _("This account already has this role in the town."),
                        code=GovernanceErrorCode.ALREADY_STAFF.value,
                    )
                }
            )
        if staff is None:
            staff = TownStaff.objects.create(town=town, user=user, role=role, granted_by=actor)
        else:
            _ensure_another_admin(town=town, leaving=staff)
            staff.role = role
            staff.granted_by = actor
            staff.save(update_fields=["role", "granted_by"])
        audit_record(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.TOWN_STAFF_GRANT,
            obj=staff,
            before=before,
            after={"email": user.email, "role": role},
        )
    return staff


def town_staff_revoke(*, town_id: int, email: str, actor: User) -> TownStaff:
    """Removes the account's role in the town. Returns the removed (unsaved) row."""
    user = _user_by_email(email)
    with transaction.atomic():
        town = Town.objects.select_for_update().get(pk=town_id)
        staff = TownStaff.objects.filter(town=town, user=user).first()
        if staff is None:
            raise ValidationError(
                {
                    "email": ValidationError(
                        _("This account has no role in the town."),
                        code=GovernanceErrorCode.NOT_STAFF.value,
                    )
                }
            )
        _ensure_another_admin(town=town, leaving=staff)
        audit_record(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.TOWN_STAFF_REVOKE,
            obj=staff,
            before={"email": user.email, "role": staff.role},
            after=None,
        )
        staff_pk = staff.pk
        staff.delete()
        staff.pk = staff_pk
    return staff


def _ensure_another_admin(*, town: Town, leaving: TownStaff) -> None:
    """A town must keep one admin: the last one cannot leave or step down."""
    if leaving.role != TownStaffRole.ADMIN:
        return
    others = TownStaff.objects.filter(town=town, role=TownStaffRole.ADMIN).exclude(pk=leaving.pk)
    if not others.exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("The town's last administrator cannot leave; name another one first."),
                    code=GovernanceErrorCode.LAST_ADMIN.value,
                )
            }
        )
