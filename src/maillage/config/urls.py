from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from maillage.api import api
from maillage.common import views as common_views

urlpatterns = [
    path("api/", api.urls),
    path("healthz", common_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", include("maillage.directory.urls")),
    path("accounts/", include("maillage.accounts.urls")),
    path("diagnostics/", include("maillage.diagnostics.urls")),
    path("", include("maillage.matching.urls")),
    path("scenarios/", include("maillage.scenarios.urls")),
    path("analytics/", include("maillage.analytics.urls")),
    path("feedback/", include("maillage.feedback.urls")),
    path("collective/", include("maillage.collective.urls")),
    path("open-data/", include("maillage.interop.urls")),
    path("chantiers/", include("maillage.chantiers.urls")),
    path("audit/", include("maillage.audit.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler404 = "maillage.common.views.page_not_found"
handler403 = "maillage.common.views.permission_denied"
handler500 = "maillage.common.views.server_error"
