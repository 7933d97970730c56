# {% riskpane_island ticket user as island %}: the ticket page's JSON island (see island.py),
# written into the page with Django's json_script filter (which escapes <, > and &).
from django import template

from riskpane_helpdesk.island import island

register = template.Library()


@register.simple_tag
def riskpane_island(ticket, user):
    return island(ticket, user)
