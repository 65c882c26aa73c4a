from django.contrib import admin
from django.urls import include, path

# The plugin under a prefix of the host's choosing, as a host would mount it.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("films/", include("moviesearch.urls")),
]
