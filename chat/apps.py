from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from chat import signals  # noqa: F401

        if settings.ANTHROPIC_API_KEY:
            # Importing the anthropic SDK takes about two seconds. Doing it at
            # start-up keeps that pause out of the event loop serving streams.
            import chat.responders.claude  # noqa: F401
