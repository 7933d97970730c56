# `manage.py riskpane_seed --base URL [--clock-shift-days N]`: seeds a fresh django-helpdesk for
# riskpane's end-to-end tests and writes tickets.json into the state directory: an admin (the
# tests' REST assertions), an agent, an expert (group "Risk Experts") and a member of Communications
# (group "Communications"), all staff with the
# "Risk Review" queue's permission, the agent's service provider (group "Service Provider: Atlas
# Care", read by riskpane_qa_export), the staff-only custom fields the CRM profile reads and the
# ones the widget writes, and three realistic tickets whose dates are relative to now (delivered
# 25 hours before the claim, ...), never calendar dates.
import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from helpdesk.lib import convert_value
from helpdesk.models import CustomField, Queue, Ticket, TicketCustomFieldValue

from riskpane_helpdesk.island import COMMUNICATIONS, EXPERTS


#: (name, label, data type, list values or None). All staff-only: customers never see them.
FIELDS = [
    ("case_type", "Case type", "list", ["item_not_received", "missing_item", "damaged", "return", "refund",
                                         "privacy_request", "complaint", "account", "payment_dispute", "other"]),
    ("channel", "Channel", "list", ["email", "phone", "chat", "web_form", "letter", "social_media", "review_site"]),
    ("order_total_eur", "Order total (EUR)", "decimal", None),
    ("median_basket_eur", "Median basket (EUR)", "decimal", None),
    ("account_age_days", "Account age (days)", "integer", None),
    ("delivered_at", "Carrier delivery scan", "datetime", None),
    ("proof_of_delivery", "Proof of delivery", "boolean", None),
    ("claims_12_months", "Claims (12 months)", "integer", None),
    ("identity_verified", "Identity verified", "boolean", None),
    ("followers", "Followers", "integer", None),
    ("last_credential_change", "Last credential change", "datetime", None),
    ("refund_to_new_instrument", "Refund to new instrument", "boolean", None),
    # Written by the widget (the profile's [profile.api.django_helpdesk]).
    ("risk_score", "Risk score", "integer", None),
    ("risk_band", "Risk band", "list", ["low", "medium", "high", "critical"]),
    ("risk_flags", "Risk flags", "varchar", None),
    ("decision_state", "Decision state", "list", ["decided", "pending_confirmation", "confirmed", "rejected"]),
]


def stored(value):
    """A value as django-helpdesk stores it (its own conversion of dates and times)."""
    return str(convert_value(value))


class Command(BaseCommand):
    help = "Seeds django-helpdesk for riskpane's end-to-end tests and writes tickets.json."

    def add_arguments(self, parser):
        parser.add_argument("--base", required=True)
        parser.add_argument("--clock-shift-days", type=int, default=0)

    @transaction.atomic
    def handle(self, *args, base, clock_shift_days, **options):
        Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": base.split("//")[-1], "name": "riskpane"})
        queue = Queue.objects.create(title="Risk Review", slug="risk-review", allow_public_submission=False)
        access = Permission.objects.get(codename=queue.permission_name.split(".", 1)[1])
        User.objects.create_superuser("admin", "admin@example.com", "adminpass123")
        groups = {"expert": Group.objects.create(name=EXPERTS), "communications": Group.objects.create(name=COMMUNICATIONS)}
        users = {}
        for username, first, last, password, group in [
            ("widget-agent", "Kim", "Berger", "agentpass123", None),
            ("widget-expert", "Eva", "Lindqvist", "expertpass123", "expert"),
            ("widget-comms", "Chris", "Ahn", "commspass123", "communications"),
        ]:
            user = User.objects.create_user(username, f"{username}@example.com", password,
                                            first_name=first, last_name=last, is_staff=True)
            user.user_permissions.add(access)
            users[username] = user.pk
            if group:
                user.groups.add(groups[group])
        User.objects.get(username="widget-agent").groups.add(Group.objects.create(name="Service Provider: Atlas Care"))
        for ordering, (name, label, data_type, values) in enumerate(FIELDS):
            CustomField.objects.create(
                name=name, label=label, data_type=data_type, staff_only=True, ordering=ordering,
                list_values="\n".join(values) if values else None, empty_selection_list=bool(values),
                max_length=200 if data_type == "varchar" else (10 if data_type == "decimal" else None),
                decimal_places=2 if data_type == "decimal" else None,
            )
        now = timezone.now()
        ago = lambda hours: stored((now - timedelta(hours=hours)).replace(second=0, microsecond=0))  # noqa: E731
        inr = self.ticket(queue, "Parcel never arrived, refund now", "anna.schmidt@example.com",
                          "My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.",
                          {"case_type": "item_not_received", "channel": "email", "order_total_eur": "649.90",
                           "median_basket_eur": "89.95", "account_age_days": "12", "delivered_at": ago(25),
                           "proof_of_delivery": "True", "claims_12_months": "3", "identity_verified": "False",
                           "last_credential_change": ago(64), "refund_to_new_instrument": "True"})
        gdpr = self.ticket(queue, "Löschung meiner Daten", "m.mueller@example.de",
                           "Sehr geehrte Damen und Herren, hiermit verlange ich die LÖSCHUNG aller meiner personenbezogenen "
                           "Daten gemäß Art. 17 DSGVO. Bitte löschen Sie auch mein Konto.",
                           {"case_type": "privacy_request", "channel": "email", "account_age_days": "900",
                            "identity_verified": "False", "claims_12_months": "0"})
        social = self.ticket(queue, "Instagram: @lena.styles complains publicly", "lena@example.com",
                             "@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon.",
                             {"case_type": "complaint", "channel": "social_media", "followers": "48200"})
        tickets = {"base": base, "queue": queue.pk, "users": users, "inr": inr, "gdpr": gdpr, "social": social,
                   "clockShiftDays": clock_shift_days, "state": str(settings.STATE), "riskpaneDir": str(settings.RISKPANE_DIR)}
        (settings.STATE / "tickets.json").write_text(json.dumps(tickets) + "\n")
        self.stdout.write(json.dumps(tickets))

    def ticket(self, queue, title, submitter, message, fields):
        ticket = Ticket.objects.create(queue=queue, title=title, submitter_email=submitter, description=message)
        for name, value in fields.items():
            TicketCustomFieldValue.objects.create(ticket=ticket, field=CustomField.objects.get(name=name), value=value)
        return ticket.id
