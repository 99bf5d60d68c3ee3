"""A fake of Anthropic's Messages API that plays scripted scenarios.

Run it with ``python -m chat.fake_claude --port 8765`` and point the app at
it with ``ANTHROPIC_BASE_URL=http://127.0.0.1:8765``. Tests start it in their
own event loop with ``async with FakeClaudeServer() as server``.
"""

from chat.fake_claude.scenarios import SCENARIOS, Options
from chat.fake_claude.server import FakeClaudeServer, RecordedRequest

__all__ = ["SCENARIOS", "FakeClaudeServer", "Options", "RecordedRequest"]
