# `manage.py riskpane_qa_export [--queue TITLE]`: the risk experts' QA reviews that django-helpdesk
# kept, one `riskpane.qa_review` per line on stdout, for `riskpane qa` (docs/qa-review.md). For each
# ticket of the queue (default "Risk Review") it hands `riskpane qa-export` what the helpdesk itself
# knows: the staff's internal follow-ups that carry decision records (the four-eye check refused the
# others before they were stored), with their authors and times, the Risk Experts and Communications
# groups, and each author's service provider from the helpdesk's directory: a group named
# "Service Provider: <name>" (set by the helpdesk's administrators, never by the widget). riskpane
# reads the records under the widget's read-back rules and writes the reviews; the provider comes
# from here, never from the record. Exits with riskpane's code: 0 when all read, 2 when a ticket or
# a review needs a look (said on stderr; the reviews are written anyway).
import json
import subprocess
import sys
from datetime import timezone

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from helpdesk.models import FollowUp, Queue, Ticket

from riskpane_helpdesk.four_eyes import BLOCK_START
from riskpane_helpdesk.island import communications, experts, user_id, user_name

#: Groups named with this prefix say which service provider their members work for.
PROVIDER_PREFIX = "Service Provider: "


def provider_of(user):
    """The user's service provider: the first "Service Provider: …" group they belong to, by name."""
    names = sorted(group.name for group in user.groups.filter(name__startswith=PROVIDER_PREFIX))
    return names[0][len(PROVIDER_PREFIX):].strip() if names else ""


class Command(BaseCommand):
    help = "Writes the QA reviews django-helpdesk kept as riskpane.qa_review lines (for riskpane qa)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="Risk Review")

    def handle(self, *args, queue, **options):
        if not Queue.objects.filter(title=queue).exists():
            raise CommandError(f"no queue titled {queue!r}")
        group_experts, group_communications = experts(), communications()
        command = [str(settings.RISKPANE_DIR / "riskpane"), "qa-export"]
        try:
            riskpane = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=sys.stdout, text=True, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot run {command[0]}: {error}") from error
        with riskpane.stdin:
            for ticket in Ticket.objects.filter(queue__title=queue).order_by("id"):
                followups = (
                    FollowUp.objects.filter(ticket=ticket, public=False, user__isnull=False, user__is_staff=True,
                                            comment__contains=BLOCK_START)
                    .select_related("user")
                    .order_by("date", "id")
                )
                comments, providers = [], {}
                for followup in followups:
                    author = user_id(followup.user)
                    providers.setdefault(author, provider_of(followup.user))
                    comments.append({
                        "transaction": str(followup.pk),
                        "author": author,
                        "author_name": user_name(followup.user),
                        "created": followup.date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "content": followup.comment or "",
                    })
                if not comments:
                    continue
                line = {"ticket": str(ticket.id), "comments": comments, "experts": group_experts,
                        "communications": group_communications, "providers": providers}
                riskpane.stdin.write(json.dumps(line) + "\n")
        code = riskpane.wait()
        if code:
            sys.exit(code)
