"""Work that an app process does once, before it serves its first request.

Python's cyclic garbage collector walks every container object it tracks
each time it collects the oldest generation. Most of those objects are the
modules, classes and functions loaded at start-up: about 70,000 for Django
and the app, and about 150,000 more with the Claude SDK. Walking them
paused a worker for up to about 340 ms at a time with 500 open reply
streams (bench/chat_load.py), which showed as slow chat pages and late first
words of replies. So the process imports what its first requests would
import, then moves every object alive to the collector's permanent
generation, which it does not walk.
"""

import gc


def prepare_process():
    """Load the modules that requests use, then freeze them for the collector.

    Call it once Django is set up. Under gunicorn's --preload it runs in the
    master before the workers are forked.
    """
    from django.urls import get_resolver

    from chat.responders import get_responder

    # Resolving the URL patterns imports every view module.
    get_resolver().url_patterns  # noqa: B018
    # Imports the Claude SDK when an API key is set.
    get_responder()
    gc.collect()
    gc.freeze()
