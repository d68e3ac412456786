from django.urls import path

from marketplace.storefront import views

urlpatterns = [
    path("", views.home, name="home"),
]
