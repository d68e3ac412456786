from django.urls import path

from marketplace.storefront.association import views

app_name = "transparency"

urlpatterns = [
    path("", views.transparency_index, name="index"),
]
