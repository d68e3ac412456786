from django.urls import path

from marketplace.storefront.merchant import views

app_name = "merchant"

urlpatterns = [
    path("", views.index, name="index"),
]
