from __future__ import annotations

from typing import Any

import graphene
from graphene_file_upload.scalars import Upload

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_member, vendor_id_of
from marketplace.graphql.vendors.types import VendorError
from vendors.csv_import import MAX_FILE_BYTES, catalog_import
from vendors.error_codes import VendorErrorCode


class CatalogImportError(graphene.ObjectType):
    line = graphene.Int(required=True, description="Line of the file (the header is line 1).")
    field = graphene.String(description="The column at fault.")
    code = graphene.Field(VendorError._meta.fields["code"].type.of_type, required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_code(root: Any, _info: Any) -> Any:
        return VendorErrorCode(root.code)


class CatalogImportReport(graphene.ObjectType):
    created = graphene.Int(required=True, description="Variants created.")
    updated = graphene.Int(required=True, description="Variants changed.")
    unchanged = graphene.Int(required=True, description="Variants already as in the file.")
    errors = graphene.List(graphene.NonNull(CatalogImportError), required=True)


class CatalogImport(BaseMutation):
    """Import a shop's catalogue from CSV, all or nothing (the shop's members).

    Header: product,description,category,sku,variant_name,price,stock; `,` or `;` separated.
    With dryRun, nothing is written: the report tells what would happen.
    """

    error_type_class = VendorError

    class Arguments:
        vendor = graphene.ID(required=True)
        file = Upload(required=True)
        dry_run = graphene.Boolean(default_value=False)

    report = graphene.Field(CatalogImportReport)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, vendor: str, file: Any, dry_run: bool = False
    ) -> dict[str, Any]:
        vendor_id = vendor_id_of(vendor)
        user = require_member(info, vendor_id)
        content = file.read(MAX_FILE_BYTES + 1)
        report = catalog_import(vendor_id=vendor_id, content=content, dry_run=dry_run, user=user)
        return {"report": report}
