"""Decide what the fake server sends back for one Messages API request.

A request picks its scenario with a marker in its last user message, such as
``[scenario:overloaded]``. The marker may also set options for that request:
``[scenario:ok first_token_delay=0.4 tokens_per_second=60 output_tokens=300]``.
Without a marker the server's default scenario applies.

The answers are built from the first article in the system prompt, which the
fake finds by the tags that ``chat.responders.prompt`` writes.
"""

import dataclasses
import re
from dataclasses import dataclass, field

SCENARIOS = [
    "ok",
    "no_assessment",
    "timeout",
    "disconnect",
    "unauthorized",
    "rate_limited",
    "overloaded",
    "server_error",
    "stream_error",
    "refusal",
    "max_tokens",
    "asks_for_person",
    "asks_for_person_with_article",
]

# Status, error type and message of the scenarios that fail before streaming,
# as the Messages API reports them.
HTTP_ERRORS = {
    "unauthorized": (401, "authentication_error", "invalid x-api-key"),
    "rate_limited": (
        429,
        "rate_limit_error",
        "This request would exceed the rate limit for your organization.",
    ),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "server_error": (500, "api_error", "Internal server error"),
}

MARKER_REGEX = re.compile(r"\[scenario:([a-z_]+)((?:\s+[a-z_]+=[^\s\]]+)*)\]")
ARTICLE_REGEX = re.compile(
    r'<article id="(\d+)"(?: category="([a-z_]*)")?>\s*'
    r"<title>(.*?)</title>.*?<solution>\n?(.*?)\n?</solution>",
    re.DOTALL,
)
# A "token" of the fake is a word with the spaces and newlines after it.
TOKEN_REGEX = re.compile(r"\S+\s*|\s+")
CYRILLIC_REGEX = re.compile(r"[а-яё]", re.IGNORECASE)

FILLER = {
    "en": (
        "If the problem comes back after a restart, write down the exact "
        "error message and the time it appeared, because IT staff will ask "
        "for both. "
    ),
    "ru": (
        "Если проблема вернётся после перезагрузки, запишите точный текст "
        "ошибки и время, когда она появилась: специалисты ИТ спросят об этом. "
    ),
}


@dataclass
class Options:
    """Timing and failure settings, from the command line or a marker."""

    # Seconds between the start of the stream and the first text delta.
    first_token_delay: float = 0.0
    # Text deltas per second after the first one. Zero sends them without pauses.
    tokens_per_second: float = 0.0
    # Number of text deltas in the response. None keeps the built text as it is.
    output_tokens: int | None = None
    # Value of the retry-after header of 429, 500 and 529 responses, in
    # seconds. None leaves the header out.
    retry_after: float | None = 1.0
    # How long the timeout scenario waits before it sends anything, in seconds.
    stall_seconds: float = 600.0
    # Failing scenarios fail this many requests with the same marker, and later
    # requests get the "ok" response. None fails every request.
    fail_times: int | None = None

    def updated(self, values):
        """Return a copy with ``values`` (option name to text) applied.

        Raises ValueError on an unknown option or a value that is not a number.
        """
        changes = {}
        names = {item.name for item in dataclasses.fields(self)}
        for name, raw in values.items():
            if name not in names:
                raise ValueError(f"unknown option {name!r}")
            if raw == "none":
                changes[name] = None
            elif name in INTEGER_OPTIONS:
                changes[name] = int(raw)
            else:
                changes[name] = float(raw)
        return dataclasses.replace(self, **changes)


INTEGER_OPTIONS = {"output_tokens", "fail_times"}


@dataclass
class Article:
    id: int
    category: str
    title: str
    solution: str


@dataclass
class Plan:
    """The response that the fake sends for one request."""

    status: int = 200
    error_type: str = ""
    error_message: str = ""
    tokens: list[str] = field(default_factory=list)
    tool_input: dict | None = None
    stop_reason: str = "end_turn"
    # Seconds to wait before sending anything.
    stall_seconds: float = 0.0
    # After this many text tokens, send an `error` event or drop the
    # connection, according to ``break_with``.
    break_after: int | None = None
    break_with: str = ""


def find_marker(body):
    """Return the scenario name and option texts that the request selects."""
    text = last_user_text(body)
    match = MARKER_REGEX.search(text)
    if not match:
        return None, {}
    options = dict(pair.split("=", 1) for pair in match.group(2).split())
    return match.group(1), options


def last_user_text(body):
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def content_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            block.get("text", "") for block in content if isinstance(block, dict)
        )
    return ""


def find_articles(body):
    system = body.get("system") or ""
    text = content_text(system)
    return [
        Article(int(pk), category or "other", title, solution)
        for pk, category, title, solution in ARTICLE_REGEX.findall(text)
    ]


def plan_reply(scenario, body, options, failing, text=None):
    """Return the Plan for ``scenario``.

    ``failing`` is False when a failing scenario has used up its
    ``fail_times``, and the request then gets the "ok" response. ``text``,
    when given, replaces the answer text built from the articles, and the
    assessment stays the one built from them.
    """
    if not failing:
        scenario = "ok"
    if scenario in HTTP_ERRORS:
        status, error_type, message = HTTP_ERRORS[scenario]
        return Plan(status=status, error_type=error_type, error_message=message)

    question = last_user_text(body)
    language = "ru" if CYRILLIC_REGEX.search(question) else "en"
    articles = find_articles(body)
    if scenario == "asks_for_person":
        plan = person_plan(articles, language)
    elif scenario == "asks_for_person_with_article":
        plan = person_plan(articles, language, point_to_article=True)
    else:
        plan = answer_plan(articles, language)
    if text is not None:
        plan.tokens = tokenize(text)
    plan.tokens = fit_length(plan.tokens, options.output_tokens, language)

    half = max(1, len(plan.tokens) // 2)
    if scenario == "no_assessment":
        plan.tool_input = None
        plan.stop_reason = "end_turn"
    elif scenario == "timeout":
        plan.stall_seconds = options.stall_seconds
    elif scenario in ("disconnect", "stream_error"):
        plan.break_after = half
        plan.break_with = scenario
    elif scenario == "refusal":
        plan.tokens = plan.tokens[:half]
        plan.tool_input = None
        plan.stop_reason = "refusal"
    elif scenario == "max_tokens":
        plan.tokens = plan.tokens[:half]
        plan.tool_input = None
        plan.stop_reason = "max_tokens"

    limit = body.get("max_tokens")
    if isinstance(limit, int) and len(plan.tokens) > limit:
        plan.tokens = plan.tokens[:limit]
        plan.tool_input = None
        plan.stop_reason = "max_tokens"
    return plan


def answer_plan(articles, language):
    if not articles:
        text = {
            "en": (
                "I could not find an article about this in the knowledge base, "
                "so I do not know the answer. Please create a ticket and IT "
                "staff will help you."
            ),
            "ru": (
                "В базе знаний нет статьи об этом, поэтому я не знаю ответа. "
                "Создайте заявку, и специалисты ИТ помогут вам."
            ),
        }[language]
        assessment = assessment_input(0.1, "No article covers this.", [], "other")
        return Plan(
            tokens=tokenize(text), tool_input=assessment, stop_reason="tool_use"
        )

    article = articles[0]
    text = {
        "en": (
            f'This looks like "{article.title}". Here is what to do:\n\n'
            f"{article.solution}\n\n"
            "If this does not help, create a ticket and IT staff will take a look."
        ),
        "ru": (
            f"Похоже, это «{article.title}». Вот что нужно сделать:\n\n"
            f"{article.solution}\n\n"
            "Если это не поможет, создайте заявку, и специалисты ИТ разберутся."
        ),
    }[language]
    assessment = assessment_input(
        0.85, f"Based on '{article.title}'.", [article.id], article.category
    )
    return Plan(tokens=tokenize(text), tool_input=assessment, stop_reason="tool_use")


def person_plan(articles, language, point_to_article=False):
    """Return the Plan of a reply that hands over to IT staff.

    With ``point_to_article`` and an article in the prompt, the reply also
    names the first article and cites it, as the instructions allow.
    Otherwise it cites nothing, because its text uses no article.
    """
    text = {
        "en": "Of course. Create a ticket below and IT staff will get back to you.",
        "ru": "Конечно. Создайте заявку ниже, и специалисты ИТ свяжутся с вами.",
    }[language]
    category = articles[0].category if articles else "other"
    if point_to_article and articles:
        article = articles[0]
        text += {
            "en": f'\n\nMeanwhile, this may help (see "{article.title}"):\n\n',
            "ru": f"\n\nПока можно попробовать это (см. «{article.title}»):\n\n",
        }[language] + article.solution
        assessment = assessment_input(
            0.85, f"Based on '{article.title}'.", [article.id], category
        )
    else:
        assessment = assessment_input(0.3, "You asked for a person.", [], category)
    assessment["asked_for_person"] = True
    return Plan(tokens=tokenize(text), tool_input=assessment, stop_reason="tool_use")


def assessment_input(confidence, reason, cited_ids, category):
    return {
        "confidence": confidence,
        "reason": reason,
        "cited_article_ids": cited_ids,
        "suggested_category": category,
        "asked_for_person": False,
    }


def tokenize(text):
    return TOKEN_REGEX.findall(text)


def fit_length(tokens, count, language):
    """Return ``tokens`` cut or padded with filler text to ``count`` tokens."""
    if count is None:
        return tokens
    result = list(tokens)
    if result and not result[-1].endswith((" ", "\n")):
        result[-1] += " "
    filler = tokenize(FILLER[language])
    while len(result) < count:
        result += filler
    return result[:count]
