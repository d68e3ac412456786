"""A Town is the marketplace's channel: it scopes shops, search, checkout and currency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core.collation import FrenchOrder


class Town(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    region = models.CharField(max_length=128, blank=True)
    country = models.CharField(max_length=2, default="FR")
    currency = models.CharField(max_length=3, default="EUR")
    timezone = models.CharField(max_length=64, default="Europe/Paris")
    center_latitude = models.FloatField()
    center_longitude = models.FloatField()
    # Where people write to the town's governing association (shops, customers); "" when none.
    # Set by the town's file (`load_towns`) or its administrators (`town_settings_update`).
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [FrenchOrder("name")]

    def __str__(self) -> str:
        return self.name


class TownStaffRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MODERATOR = "moderator", _("Moderator")


class TownStaff(models.Model):
    """A member of the town's governing association, with a role in that town."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="town_roles"
    )
    role = models.CharField(max_length=16, choices=TownStaffRole.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "user"], name="town_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.town})"
