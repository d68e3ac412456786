from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from marketplace.graphql.core.views import GraphQLView
from marketplace.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", GraphQLView.as_view(graphiql=True), name="graphql"),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("payments/", include("payments.urls")),
    path("open-data/", include("marketplace.governance.urls")),
    path("commercant/", include("marketplace.storefront.merchant.urls")),
    path("association/", include("marketplace.storefront.association.urls")),
    path("transparence/", include("marketplace.storefront.association.transparency_urls")),
    path("", include("marketplace.storefront.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
