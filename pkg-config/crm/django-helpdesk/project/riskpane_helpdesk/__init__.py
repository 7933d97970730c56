# riskpane's Django app for django-helpdesk: the ticket page extension (widget mount point and the
# ticket as a JSON island) and the four-eye rule enforced by the helpdesk itself (four_eyes.py).
