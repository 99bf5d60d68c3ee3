import factory

from chat.models import Conversation, Message


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    session_key = factory.Sequence(lambda n: f"session{n:032d}")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.EMPLOYEE
    text = "VPN does not connect"
    status = Message.Status.COMPLETE
