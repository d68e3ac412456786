from django.urls import path

from marketplace.storefront.association import (
    order_views,
    rule_views,
    town_views,
    vendor_views,
    views,
)

app_name = "association"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:town>/", views.dashboard, name="dashboard"),
    path("<slug:town>/boutiques/", vendor_views.vendor_list, name="vendors"),
    path("<slug:town>/boutiques/<int:vendor_id>/", vendor_views.vendor_detail, name="vendor"),
    path(
        "<slug:town>/boutiques/<int:vendor_id>/<slug:action>/",
        vendor_views.vendor_decide,
        name="vendor-decide",
    ),
    path("<slug:town>/commandes/", order_views.orders, name="orders"),
    path("<slug:town>/commandes/<str:number>/", order_views.order_detail, name="order"),
    path(
        "<slug:town>/commandes/<str:number>/annuler/",
        order_views.order_cancel_view,
        name="order-cancel",
    ),
    path(
        "<slug:town>/commandes/<str:number>/<int:shop_order_id>/rembourser/",
        order_views.shop_order_refund_view,
        name="shop-order-refund",
    ),
    path(
        "<slug:town>/commandes/<str:number>/<int:shop_order_id>/annuler/",
        order_views.shop_order_cancel_view,
        name="shop-order-cancel",
    ),
    path("<slug:town>/commission/", rule_views.rules, name="rules"),
    path("<slug:town>/commission/nouvelle/", rule_views.rule_create, name="rule-create"),
    path("<slug:town>/commission/<int:rule_id>/", rule_views.rule_detail, name="rule"),
    path(
        "<slug:town>/commission/<int:rule_id>/modifier/", rule_views.rule_update, name="rule-update"
    ),
    path("<slug:town>/commission/<int:rule_id>/fin/", rule_views.rule_end, name="rule-end"),
    path("<slug:town>/reglages/", town_views.town_settings, name="settings"),
    path("<slug:town>/equipe/", town_views.staff, name="staff"),
    path("<slug:town>/equipe/ajouter/", town_views.staff_grant, name="staff-grant"),
    path("<slug:town>/equipe/retirer/", town_views.staff_revoke, name="staff-revoke"),
    path("<slug:town>/journal/", town_views.audit_log, name="audit"),
]
