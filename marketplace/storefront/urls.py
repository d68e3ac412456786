from django.urls import path

from marketplace.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("towns/<slug:town>/", views.town_detail, name="town"),
    path("towns/<slug:town>/search/", views.search, name="search"),
    path("towns/<slug:town>/shops/<slug:vendor>/", views.vendor_detail, name="vendor"),
]
