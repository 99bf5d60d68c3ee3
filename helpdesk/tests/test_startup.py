"""What an app process prepares before its first request."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# Imports the app module as a server does, then prints the loaded modules
# and the collector's counts as JSON.
PROBE = """
import gc, importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps({
    "claude_sdk_loaded": "anthropic" in sys.modules,
    "views_loaded": "chat.views" in sys.modules,
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
}))
"""


def probe(module, **environment):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "helpdesk.settings"} | environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", ["helpdesk.asgi", "helpdesk.wsgi"])
def test_app_module_freezes_loaded_code(module):
    state = probe(module, ANTHROPIC_API_KEY="sk-ant-test")

    assert state["claude_sdk_loaded"]
    assert state["views_loaded"]
    # Start-up objects are in the permanent generation, which the collector
    # skips, so few are left for it to walk. Python itself keeps a few
    # hundred objects in the permanent generation.
    assert state["frozen"] > 100_000
    assert state["tracked"] < 1_000


def test_claude_sdk_is_not_loaded_without_a_key():
    state = probe("helpdesk.asgi", ANTHROPIC_API_KEY="")

    assert not state["claude_sdk_loaded"]
    assert state["views_loaded"]
    assert state["frozen"] > 10_000
    assert state["tracked"] < 1_000
