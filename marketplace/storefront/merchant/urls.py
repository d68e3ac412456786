from django.urls import include, path

from marketplace.storefront.merchant import (
    catalogue_views,
    import_views,
    money_views,
    orders_views,
    shop_views,
    views,
)

app_name = "merchant"

shop_patterns = [
    path("", views.shop_home, name="shop"),
    path("commandes/", orders_views.orders, name="orders"),
    path("commandes/preparation/", orders_views.picking_list, name="picking"),
    path("commandes/<int:pk>/", orders_views.order_detail, name="order"),
    path("commandes/<int:pk>/accepter/", orders_views.order_accept, name="order_accept"),
    path("commandes/<int:pk>/refuser/", orders_views.order_refuse, name="order_refuse"),
    path("commandes/<int:pk>/prete/", orders_views.order_ready, name="order_ready"),
    path("commandes/<int:pk>/remise/", orders_views.order_fulfil, name="order_fulfil"),
    path("commandes/<int:pk>/annuler/", orders_views.order_cancel, name="order_cancel"),
    path("commandes/<int:pk>/rembourser/", orders_views.order_refund, name="order_refund"),
    path("produits/", catalogue_views.products, name="products"),
    path("produits/nouveau/", catalogue_views.product_new, name="product_new"),
    path("produits/<int:pk>/", catalogue_views.product_edit, name="product"),
    path("produits/<int:pk>/supprimer/", catalogue_views.product_remove, name="product_delete"),
    path(
        "produits/<int:pk>/publier/",
        catalogue_views.product_publish_view,
        name="product_publish",
    ),
    path("stock/<int:variant_id>/ajuster/", catalogue_views.stock_adjust_view, name="stock_adjust"),
    path("stock/mouvements/", catalogue_views.stock_movements, name="stock_movements"),
    path("stock/bas/", catalogue_views.stock_low, name="stock_low"),
    path("import/", import_views.catalogue_import, name="import"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/confirmer/", import_views.import_confirm, name="import_confirm"),
    path("export.csv", import_views.catalogue_export, name="export"),
    path("boutique/", shop_views.profile, name="profile"),
    path("equipe/", shop_views.team, name="team"),
    path("equipe/inviter/", shop_views.team_invite, name="team_invite"),
    path("equipe/<int:pk>/retirer/", shop_views.team_remove, name="team_remove"),
    path(
        "equipe/invitations/<int:pk>/annuler/",
        shop_views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "equipe/invitations/<int:pk>/renvoyer/",
        shop_views.invitation_resend,
        name="invitation_resend",
    ),
    path("equipe/<int:pk>/proprietaire/", shop_views.team_transfer, name="team_transfer"),
    path("argent/", money_views.money, name="money"),
    path("argent/releve.csv", money_views.statement_csv, name="statement_csv"),
    path("argent/stripe/", money_views.onboard, name="onboard"),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("ouvrir-une-boutique/", views.apply, name="apply"),
    path("invitation/", views.invitation, name="invitation"),
    path("<slug:town>/<slug:shop>/", include(shop_patterns)),
]
