"""Generate an assistant reply in a test, as the reply stream would."""

from asgiref.sync import async_to_sync

from chat.assistant import generate_reply
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory


def answer(question, conversation=None):
    """Post ``question`` and generate its reply; return (reply, streamed text)."""
    conversation = conversation or ConversationFactory()
    MessageFactory(conversation=conversation, text=question)
    reply = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="",
        status=Message.Status.STREAMING,
    )

    async def consume():
        return "".join([chunk async for chunk in generate_reply(reply)])

    streamed = async_to_sync(consume)()
    reply.refresh_from_db()
    return reply, streamed
