# riskpane's four-eye rule enforced by django-helpdesk itself (the browser is no trust boundary):
# before django-helpdesk stores a follow-up that carries a decision record, a change of the
# decision-state or risk-band custom field, or a ticket status that closes it, this module hands
# what the helpdesk knows about the ticket (its data as in the page's island, the staff follow-ups
# with decision records and their authors, the experts group, the change) to
# `riskpane helpdesk-verdict`, which re-derives every record with the same pure core that judges
# Request Tracker's tickets (src/request_tracker/verdict.rs). What it refuses is not stored: the
# request fails with HTTP 403 and its reason (ATOMIC_REQUESTS rolls the whole request back). It
# fails closed: when the verdict cannot be had, the guarded write is refused too. Writes outside a
# request (migrations, the seed command) are the system's and are not checked.
import contextvars
import json
import logging
import subprocess
import time
import tomllib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_delete, pre_save
from helpdesk.models import FollowUp, Ticket, TicketCustomFieldValue

from .island import communications, experts, ticket_data, user_id, user_name

logger = logging.getLogger("riskpane_helpdesk")

#: First line of the machine-readable block the widget appends to its follow-ups.
BLOCK_START = "-----BEGIN RISKPANE DECISION-----"
#: The verdict's name for the follow-up about to be stored (it has no id yet).
NEW = "new"
#: Statuses that close a ticket.
CLOSING = (Ticket.RESOLVED_STATUS, Ticket.CLOSED_STATUS)

_request = contextvars.ContextVar("riskpane_request", default=None)


class RequestUserMiddleware:
    """Makes the request visible to the model checks below. The user is read when a check runs,
    not here: Django REST framework authenticates (session or basic auth) inside the view and
    then sets the user on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


class _System:
    """No request: a migration, the seed command, a shell. Not checked."""


SYSTEM = _System()


def _author():
    """The signed-in user of the current request, None for an anonymous one, SYSTEM outside a request."""
    request = _request.get()
    if request is None:
        return SYSTEM
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _profile_api():
    path = settings.RISKPANE_DIR / "django-helpdesk.toml"
    with open(path, "rb") as file:
        return tomllib.load(file)["profile"]["api"]["django_helpdesk"]


def refuse(reason):
    logger.info("riskpane refused: %s", reason)
    raise PermissionDenied(f"django-helpdesk refused it (riskpane four-eye rule): {reason}")


def _record_followups(ticket):
    """The ticket's stored staff follow-ups that carry a decision record, oldest first."""
    followups = (
        FollowUp.objects.filter(ticket_id=ticket.pk, public=False, user__isnull=False, comment__contains=BLOCK_START)
        .select_related("user")
        .order_by("date", "id")
    )
    return [_evidence_comment(str(followup.pk), followup.user, followup.comment) for followup in followups]


def _evidence_comment(transaction, user, content):
    return {
        "transaction": transaction,
        "author": user_id(user),
        "author_name": user_name(user),
        "privileged": bool(user.is_staff),
        "content": content or "",
    }


def verdict(ticket, new_comment=None, change=None):
    """Runs `riskpane helpdesk-verdict` on what the helpdesk knows about `ticket`; refuses (fails
    closed) when it cannot."""
    comments = _record_followups(ticket) if ticket.pk else []
    if new_comment is not None:
        comments.append(new_comment)
    evidence = {
        "now": int(time.time()),
        "ticket": ticket_data(ticket),
        "history": [],
        "experts": experts(),
        "communications": communications(),
        "comments": comments,
    }
    if change is not None:
        evidence["change"] = change
    directory = settings.RISKPANE_DIR
    command = [
        str(directory / "riskpane"),
        "helpdesk-verdict",
        "--pack",
        str(directory / "care.toml"),
        "--profile",
        str(directory / "django-helpdesk.toml"),
    ]
    try:
        result = subprocess.run(command, input=json.dumps(evidence), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        refuse(f"riskpane could not check it ({error})")
    if result.returncode != 0:
        refuse(f"riskpane could not check it (helpdesk-verdict exited {result.returncode}: {result.stderr.strip()})")
    try:
        return json.loads(result.stdout)
    except ValueError:
        refuse(f"riskpane could not check it (helpdesk-verdict answered no JSON: {result.stdout[:200]})")


def check_followup(sender, instance, raw=False, **kwargs):
    """A follow-up with a decision record is stored only if the verdict accepts it; one that
    carries a record is never changed afterwards."""
    if raw:
        return
    carries = BLOCK_START in (instance.comment or "")
    if instance.pk is not None:
        old = FollowUp.objects.filter(pk=instance.pk).first()
        if old is not None and (carries or BLOCK_START in (old.comment or "")):
            before = (old.comment, old.public, old.user_id, old.ticket_id)
            after = (instance.comment, instance.public, instance.user_id, instance.ticket_id)
            if before != after and _author() is not SYSTEM:
                refuse("a follow-up that carries a decision record cannot be changed")
        if old is not None:
            return
    if not carries:
        return
    if instance.public:
        refuse("a decision record goes into an internal follow-up (public: false), never a public one")
    if instance.user is None or not instance.user.is_staff:
        refuse("only staff follow-ups carry decision records")
    author = _author()
    if author is None or (author is not SYSTEM and author.pk != instance.user_id):
        refuse("a follow-up records decisions only in its author's own name")
    result = verdict(instance.ticket, new_comment=_evidence_comment(NEW, instance.user, instance.comment))
    for refused in result.get("refused", []):
        if refused.get("transaction") == NEW:
            refuse(refused.get("reason", "no reason given"))
    for repeated in result.get("repeated", []):
        if repeated.get("transaction") == NEW:
            refuse(
                f"decision {repeated.get('decision')} is already recorded in follow-up {repeated.get('first')}; "
                "the repeat is not stored"
            )


def check_followup_delete(sender, instance, **kwargs):
    author = _author()
    if BLOCK_START in (instance.comment or "") and author is not SYSTEM and not getattr(author, "is_superuser", False):
        refuse("a follow-up that carries a decision record cannot be deleted")


def _change(field, old, new, author, closing):
    return {
        "field": field,
        "old": "" if old is None else str(old),
        "new": "" if new is None else str(new),
        "author": user_id(author) if author is not None else "anonymous",
        "closing": closing,
    }


def check_status(sender, instance, raw=False, **kwargs):
    """Closing a ticket: not while its decision waits for the second approval, and without an
    accepted decision only by an expert."""
    author = _author()
    if raw or instance.pk is None or author is SYSTEM:
        return
    old = Ticket.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    if old is None or old == instance.status or instance.status not in CLOSING:
        return
    change = _change("Status", old, instance.status, author, True)
    reason = verdict(instance, change=change).get("change_refused")
    if reason:
        refuse(reason)


def check_custom_field(sender, instance, raw=False, **kwargs):
    """The decision state only as the accepted decision says (set by its checker); the band only
    as the ticket's data gives it, unless an expert sets it."""
    author = _author()
    if raw or author is SYSTEM:
        return
    api = _profile_api()
    name = instance.field.name
    if name not in (api["state_field"], api["band_field"]):
        return
    old = None
    if instance.pk is not None:
        old = TicketCustomFieldValue.objects.filter(pk=instance.pk).values_list("value", flat=True).first()
    if (old or "") == (instance.value or ""):
        return
    change = _change(name, old, instance.value, author, False)
    reason = verdict(instance.ticket, change=change).get("change_refused")
    if reason:
        refuse(reason)


def connect():
    pre_save.connect(check_followup, sender=FollowUp, dispatch_uid="riskpane_followup")
    pre_delete.connect(check_followup_delete, sender=FollowUp, dispatch_uid="riskpane_followup_delete")
    pre_save.connect(check_status, sender=Ticket, dispatch_uid="riskpane_status")
    pre_save.connect(check_custom_field, sender=TicketCustomFieldValue, dispatch_uid="riskpane_custom_field")
