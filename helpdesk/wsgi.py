import os

from django.core.wsgi import get_wsgi_application

from helpdesk.startup import prepare_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

application = get_wsgi_application()
prepare_process()
