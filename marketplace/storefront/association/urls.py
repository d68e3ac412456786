from django.urls import path

from marketplace.storefront.association import views

app_name = "association"

urlpatterns = [
    path("", views.index, name="index"),
]
