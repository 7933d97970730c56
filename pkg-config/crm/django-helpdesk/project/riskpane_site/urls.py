# URLs of riskpane's django-helpdesk project: django-helpdesk (with its REST API under
# /helpdesk/api/) and Django's admin; / goes to the helpdesk.
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
    path("", RedirectView.as_view(url="/helpdesk/")),
]
