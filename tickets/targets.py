"""Response and resolution targets per ticket priority, in hours."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_RESPONSE_HOURS = {"urgent": 1, "high": 4, "normal": 8, "low": 24}
DEFAULT_RESOLUTION_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 120}


def configured_hours(setting_name, defaults):
    """Return the targets in a setting, filling in defaults for missing priorities."""
    hours = {**defaults, **getattr(settings, setting_name, {})}
    for priority, value in hours.items():
        if not isinstance(value, int | float) or value <= 0:
            raise ImproperlyConfigured(
                f"{setting_name}[{priority!r}]={value!r} is invalid: "
                "expected a positive number of hours."
            )
    return hours


def response_target(priority):
    hours = configured_hours("HELPDESK_RESPONSE_TARGET_HOURS", DEFAULT_RESPONSE_HOURS)
    return timedelta(hours=hours[priority])


def resolution_target(priority):
    hours = configured_hours(
        "HELPDESK_RESOLUTION_TARGET_HOURS", DEFAULT_RESOLUTION_HOURS
    )
    return timedelta(hours=hours[priority])
