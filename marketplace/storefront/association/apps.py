from django.apps import AppConfig


class AssociationOfficeConfig(AppConfig):
    """The association's back office and the public transparency page."""

    name = "marketplace.storefront.association"
    label = "storefront_association"
    default_auto_field = "django.db.models.BigAutoField"
