"""Read settings from environment variables and stop start-up on a bad value."""

import os
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is invalid: use one of 1, true, yes, on, 0, false, no, off."
    )


def env_list(name, default=""):
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_email_list(name):
    """Return the comma-separated e-mail addresses of ``name``, checked."""
    addresses = env_list(name)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} contains {address!r}, which is not a valid e-mail "
                "address: give plain addresses such as it@example.com, without "
                "names, separated by commas."
            ) from None
    return addresses


def env_float(name, default, *, minimum=None, maximum=None):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is invalid: expected a number."
        ) from None
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is out of range: expected {minimum} to {maximum}."
        )
    return value


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is invalid: expected an integer."
        ) from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is out of range: expected at least {minimum}."
        )
    return value


RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class Rate(NamedTuple):
    """Number of requests allowed per period, and the period in seconds."""

    limit: int
    period: int


def parse_rate(text):
    """Parse a rate such as "20/minute", or raise ValueError."""
    count, separator, unit = text.strip().partition("/")
    if not separator or unit.strip() not in RATE_PERIODS:
        raise ValueError(text)
    limit = int(count)
    if limit < 1:
        raise ValueError(text)
    return Rate(limit, RATE_PERIODS[unit.strip()])


def env_rate(name, default):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return parse_rate(default)
    try:
        return parse_rate(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is invalid: expected N/second, N/minute, N/hour "
            "or N/day with N at least 1, for example 20/minute."
        ) from None
