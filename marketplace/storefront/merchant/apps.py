from django.apps import AppConfig


class MerchantOfficeConfig(AppConfig):
    """The merchants' back office: a shop's orders, catalogue, stock, team and money."""

    name = "marketplace.storefront.merchant"
    label = "storefront_merchant"
    default_auto_field = "django.db.models.BigAutoField"
