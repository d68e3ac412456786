from django.urls import path

from marketplace.storefront.association import transparency_views

app_name = "transparency"

urlpatterns = [
    path("", transparency_views.transparency_index, name="index"),
    path("<slug:town>/", transparency_views.transparency_town, name="town"),
]
