"""Keep an employee's open conversation when they sign in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from chat.access import SESSION_KEY
from chat.models import Conversation


@receiver(user_logged_in, dispatch_uid="chat_adopt_conversation")
def adopt_conversation(sender, request, user, **kwargs):
    """Give the session's anonymous conversation to the employee who signed in.

    Sign-in gives the session a new key, and signed-in employees own
    conversations by account, so the chat would otherwise start empty. The
    conversation id comes from the server-side session, which only its own
    visitor can have.
    """
    if request is None or not hasattr(request, "session"):
        return
    public_id = request.session.get(SESSION_KEY)
    if not public_id:
        return
    Conversation.objects.filter(public_id=public_id, user=None).update(
        user=user, session_key=request.session.session_key or ""
    )
