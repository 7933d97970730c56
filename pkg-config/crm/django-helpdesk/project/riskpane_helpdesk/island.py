# The ticket as riskpane reads it: the page's JSON island and the four-eye check's evidence are
# built by the same function, so the widget and the helpdesk score the same data (the CRM
# profile pkg-config/crm/django-helpdesk.toml points into this shape).
from datetime import timezone

from django.contrib.auth.models import Group

#: The group whose members confirm or reject proposals (the four-eye principle's second pair).
EXPERTS = "Risk Experts"
#: The group whose members confirm or reject public replies (outcomes the pack has Communications check).
COMMUNICATIONS = "Communications"


def ticket_data(ticket):
    """The ticket's own data: id, title, status, queue, creation time (UTC, RFC 3339), the
    submitter's first message and the custom fields' stored values by field name."""
    fields = {
        value.field.name: value.value
        for value in ticket.ticketcustomfieldvalue_set.select_related("field")
        if value.value not in (None, "")
    }
    return {
        "id": ticket.id,
        "title": ticket.title,
        "status": ticket.get_status_display(),
        "queue": ticket.queue.title,
        "created": ticket.created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "submitter": ticket.submitter_email or "",
        "message": ticket.description or "",
        "customFields": fields,
    }


def user_id(user):
    """How riskpane names a helpdesk user: the primary key the REST API gives for follow-ups."""
    return str(user.pk)


def user_name(user):
    return user.get_full_name() or user.get_username()


def members(name):
    """The ids of a group's active staff members."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        return []
    return sorted(user_id(user) for user in group.user_set.filter(is_active=True, is_staff=True))


def experts():
    """The ids of the experts group's active members."""
    return members(EXPERTS)


def communications():
    """The ids of the Communications group's active members."""
    return members(COMMUNICATIONS)


def island(ticket, user):
    """The page's island: the ticket, the experts, Communications and the signed-in user."""
    data = ticket_data(ticket)
    data["riskExperts"] = experts()
    data["communications"] = communications()
    data["currentUser"] = {"id": user_id(user), "name": user_name(user)}
    return data
