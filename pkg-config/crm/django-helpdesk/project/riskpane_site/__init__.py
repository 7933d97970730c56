# The minimal Django project that runs django-helpdesk for riskpane's end-to-end tests.
