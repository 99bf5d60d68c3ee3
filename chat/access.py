"""Look up conversations the current visitor owns."""

from django.core.exceptions import ValidationError
from django.http import Http404

from chat.models import Conversation, Message

# The session entry with the public id of the visitor's open conversation.
SESSION_KEY = "conversation_id"


def owner_filter(request):
    """Return the lookup that selects the visitor's own conversations.

    Signed-in employees own conversations by account; anonymous visitors by
    session, so that an employee who cannot sign in can still chat.
    """
    if request.user.is_authenticated:
        return {"user": request.user}
    if not request.session.session_key:
        return None
    return {"user": None, "session_key": request.session.session_key}


def get_conversation(request, public_id):
    """Return the visitor's conversation with this public id, or raise 404."""
    lookup = owner_filter(request)
    if lookup is None:
        raise Http404("No such conversation.") from None
    try:
        return Conversation.objects.get(public_id=public_id, **lookup)
    except (Conversation.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such conversation.") from None


def get_message(request, public_id):
    """Return a message of the visitor's own conversations, or raise 404."""
    lookup = owner_filter(request)
    if lookup is None:
        raise Http404("No such message.") from None
    conversation_lookup = {
        f"conversation__{key}": value for key, value in lookup.items()
    }
    try:
        return Message.objects.select_related("conversation").get(
            public_id=public_id, **conversation_lookup
        )
    except (Message.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such message.") from None
