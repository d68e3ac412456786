from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "marketplace.governance"
    label = "governance"
