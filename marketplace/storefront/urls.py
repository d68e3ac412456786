from django.urls import path

from marketplace.storefront import auth_views, views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("compte/connexion/", auth_views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("towns/<slug:town>/", views.town_detail, name="town"),
    path("towns/<slug:town>/search/", views.search, name="search"),
    path("towns/<slug:town>/shops/<slug:vendor>/", views.vendor_detail, name="vendor"),
]
