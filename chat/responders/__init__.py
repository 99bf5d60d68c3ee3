"""Responders turn a question and its knowledge-base matches into streamed text.

A responder's ``stream()`` is an async generator that yields text chunks
(``str``) and then exactly one ``Assessment``. It never raises for a model
failure: it yields an ``Assessment`` whose ``failure`` names what went wrong,
so the assistant treats every responder the same way.
"""

from django.conf import settings

from chat.responders.base import Assessment, Turn, Usage


def get_responder():
    """Return Claude when an API key is configured, else the offline responder."""
    if settings.ANTHROPIC_API_KEY:
        from chat.responders.claude import ClaudeResponder

        return ClaudeResponder()

    from chat.responders.offline import OfflineResponder

    return OfflineResponder()


__all__ = ["Assessment", "Turn", "Usage", "get_responder"]
