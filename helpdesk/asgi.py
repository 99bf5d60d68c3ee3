import os

from django.core.asgi import get_asgi_application

from helpdesk.startup import prepare_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

application = get_asgi_application()
prepare_process()
