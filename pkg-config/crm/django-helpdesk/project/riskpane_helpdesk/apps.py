# The riskpane app's configuration: connects the four-eye checks to django-helpdesk's models.
from django.apps import AppConfig


class RiskpaneHelpdeskConfig(AppConfig):
    name = "riskpane_helpdesk"
    verbose_name = "riskpane"

    def ready(self):
        from . import four_eyes

        four_eyes.connect()
