from django.apps import AppConfig


class TownsConfig(AppConfig):
    name = "marketplace.towns"
    label = "towns"
