from django.contrib.auth import views as django_auth_views
from django.urls import path, reverse_lazy
from django.views.generic import TemplateView

from marketplace.storefront import account_views, auth_views, cart_views, order_views, views

app_name = "storefront"


urlpatterns = [
    path("", views.home, name="home"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8"),
        name="robots",
    ),
    # Asked for by browsers and crawlers where no page names the icon (open data, JSON).
    path("favicon.ico", views.favicon, name="favicon"),
    # Account: session login for the web (the API keeps its Bearer tokens).
    path("compte/connexion/", auth_views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/inscription/", account_views.register, name="register"),
    path("compte/", account_views.account, name="account"),
    path("compte/commandes/<str:number>/", order_views.account_order, name="account_order"),
    path("compte/mes-donnees/", account_views.account_data, name="account_data"),
    path("compte/supprimer/", account_views.account_delete_page, name="account_delete"),
    path(
        "compte/mot-de-passe/",
        django_auth_views.PasswordResetView.as_view(
            template_name="storefront/password_reset.html",
            email_template_name="storefront/email/password_reset.txt",
            subject_template_name="storefront/email/password_reset_subject.txt",
            success_url=reverse_lazy("storefront:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe/envoye/",
        django_auth_views.PasswordResetDoneView.as_view(
            template_name="storefront/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        django_auth_views.PasswordResetConfirmView.as_view(
            template_name="storefront/password_reset_confirm.html",
            success_url=reverse_lazy("storefront:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/change/",
        django_auth_views.PasswordResetCompleteView.as_view(
            template_name="storefront/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    # Orders: a guest follows one with its token (the link of the order email).
    path("commandes/<uuid:token>/", order_views.order_track, name="order_track"),
    path("commandes/<uuid:token>/paiement/", order_views.order_pay, name="order_pay"),
    path("commandes/<uuid:token>/annuler/", order_views.order_cancel, name="order_cancel"),
    path(
        "commandes/<uuid:token>/commerces/<int:shop_order_id>/annuler/",
        order_views.shop_order_cancel,
        name="shop_order_cancel",
    ),
    # A town's shop: browse, search, the one cart, the checkout.
    path("villes/<slug:town>/", views.town_detail, name="town"),
    path("villes/<slug:town>/recherche/", views.search, name="search"),
    path("villes/<slug:town>/suggestions/", views.suggestions, name="suggestions"),
    path("villes/<slug:town>/pres-de-moi/", views.near_me, name="near_me"),
    path("villes/<slug:town>/commerces/<slug:vendor>/", views.vendor_detail, name="vendor"),
    path(
        "villes/<slug:town>/commerces/<slug:vendor>/<slug:product>/",
        views.product_detail,
        name="product",
    ),
    path("villes/<slug:town>/panier/", cart_views.cart, name="cart"),
    path("villes/<slug:town>/panier/ajouter/", cart_views.cart_add, name="cart_add"),
    path(
        "villes/<slug:town>/panier/lignes/<int:line>/",
        cart_views.cart_line_update,
        name="cart_line",
    ),
    path(
        "villes/<slug:town>/panier/lignes/<int:line>/supprimer/",
        cart_views.cart_line_delete,
        name="cart_line_delete",
    ),
    path(
        "villes/<slug:town>/panier/livraison/<int:vendor>/",
        cart_views.cart_delivery,
        name="cart_delivery",
    ),
    path("villes/<slug:town>/commande/", cart_views.checkout_page, name="checkout"),
    # The first, English paths: moved to the French ones.
    path("towns/<slug:town>/", views.legacy_redirect, {"name": "town"}),
    path("towns/<slug:town>/search/", views.legacy_redirect, {"name": "search"}),
    path("towns/<slug:town>/shops/<slug:vendor>/", views.legacy_redirect, {"name": "vendor"}),
]
