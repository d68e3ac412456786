from __future__ import annotations

from typing import Any

import graphene
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_user
from marketplace.graphql.vendors.mutations.inputs import VendorProfileInput, profile_data
from marketplace.graphql.vendors.types import VendorError, VendorType
from marketplace.towns.models import Town
from vendors.error_codes import VendorErrorCode
from vendors.profile import vendor_apply
from vendors.validation import field_error


class VendorApplyInput(VendorProfileInput):
    town = graphene.String(required=True, description="The town's slug or id.")


class VendorApply(BaseMutation):
    """Apply for a shop in a town: it is created pending, with you as its owner."""

    error_type_class = VendorError

    class Arguments:
        input = VendorApplyInput(required=True)

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, input: dict[str, Any]) -> dict[str, Any]:
        user = require_user(info)
        data = profile_data(input)
        reference = str(data.pop("town"))
        town_id = decode_id_or_none(reference, "Town")
        town = Town.objects.filter(pk=town_id).first() if town_id else None
        town = town or Town.objects.filter(slug=reference).first()
        if town is None:
            raise field_error("town", _("Unknown town."), VendorErrorCode.NOT_FOUND)
        return {"vendor": vendor_apply(user=user, town_id=town.pk, data=data)}
