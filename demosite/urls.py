from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says: no "Not Found" log line.
    path("favicon.ico", RedirectView.as_view(url=static("moviesearch/favicon.svg"))),
    path("", include("moviesearch.urls")),
]
