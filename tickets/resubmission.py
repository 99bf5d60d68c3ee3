"""Recognize a ticket form that is sent again, as after the browser's Back button.

The session keeps an entry for each ticket that it created from the form:
the form's submission token, the ticket's tracking token, a hash of the sent
fields and the time. Only the session that created a ticket finds it here,
so the tracking link stays private to that browser.

A form sent again is recognized by its submission token when the browser
shows the page as it was, as Chromium does from its back-forward cache.
Without that cache (turned off, ineligible page, or Playwright's Chromium),
Chromium 156 loads the page again on Back and fills in the typed fields but
not the hidden token. So a form whose fields equal those of a ticket that
the session created within SAME_FIELDS_WINDOW counts as sent again too.
"""

import time
from dataclasses import dataclass

from tickets.models import Ticket

SESSION_KEY = "tickets_sent_forms"
# The newest entries kept. Creating tickets is rate-limited (5 an hour by
# default), so this covers the forms that a session can still send again.
KEPT_ENTRIES = 20
# Seconds after creating a ticket during which a new form with the same
# fields leads to that ticket. Long enough for Back and send again, short
# enough that a problem that comes back another day gets a new ticket.
SAME_FIELDS_WINDOW = 3600


@dataclass
class EarlierSubmission:
    ticket: Ticket
    # False when only the submission token matches: the employee changed
    # the form after sending it.
    same_fields: bool


def find_earlier_submission(request, token, digest):
    """Return the EarlierSubmission of this session that the form repeats, or None.

    ``token`` is the form's submission token, empty when it had none, and
    ``digest`` the hash of its fields. None also when the ticket is gone or
    staff replaced its tracking link.
    """
    entries = request.session.get(SESSION_KEY, [])
    now = time.time()
    for entry in reversed(entries):
        same_form = bool(token) and entry["form"] == token
        same_fields = entry["digest"] == digest
        recent = now - entry["created"] < SAME_FIELDS_WINDOW
        if same_form or (same_fields and recent):
            ticket = Ticket.objects.filter(tracking_token=entry["ticket"]).first()
            if ticket is None:
                return None
            return EarlierSubmission(ticket=ticket, same_fields=same_fields)
    return None


def remember_submission(request, token, digest, ticket):
    entries = request.session.get(SESSION_KEY, [])
    entries.append(
        {
            "form": token,
            "ticket": ticket.tracking_token,
            "digest": digest,
            "created": time.time(),
        }
    )
    request.session[SESSION_KEY] = entries[-KEPT_ENTRIES:]
