"""The statistics page, shown in the admin as the "Statistics" entry of Tickets."""

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import charts, stats

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_end(self):
        end = self.cleaned_data["end"]
        # The period runs to the end of this day, so the next day must exist.
        if end >= date.max:
            raise ValidationError(_("The end date is invalid: choose an earlier one."))
        return end

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start"), cleaned_data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(
                    _("The start date is after the end date: swap them.")
                )
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise ValidationError(
                    _("The period is too long: choose at most %(days)d days."),
                    params={"days": MAX_PERIOD_DAYS},
                )
        return cleaned_data


def default_period():
    today = timezone.localdate()
    return today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


class TicketStatisticsAdmin(admin.ModelAdmin):
    """Admin of the read-only statistics page, with no list, add or change pages."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tickets.view_ticket") or request.user.has_perm(
            "tickets.change_ticket"
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied

        first_day, last_day = default_period()
        # Other query parameters, as from an old bookmark, leave the form
        # unbound, so the page shows the default period without errors.
        period_given = any(name in request.GET for name in PeriodForm.base_fields)
        form = PeriodForm(
            request.GET if period_given else None,
            initial={"start": first_day, "end": last_day},
        )
        if form.is_valid():
            first_day, last_day = form.cleaned_data["start"], form.cleaned_data["end"]

        start, end = stats.period_bounds(first_day, last_day)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Ticket and assistant statistics"),
            "form": form,
            "first_day": first_day,
            "last_day": last_day,
            **report_context(start, end),
            **(extra_context or {}),
        }
        return TemplateResponse(
            request, "admin/tickets/ticketstatistics/statistics.html", context
        )


def report_context(start, end):
    by_status = stats.tickets_by_status(start, end)
    by_priority = stats.tickets_by_priority(start, end)
    by_category = stats.tickets_by_category(start, end)
    handoffs = stats.handoff_reasons(start, end)
    tickets_by_handoff = stats.tickets_by_handoff(start, end)
    usage = stats.token_usage(start, end)
    daily_cost = [(day["day"].strftime("%m-%d"), day["cost"]) for day in usage["days"]]
    return {
        "ticket_total": sum(count for label, count in by_status),
        "by_status": charts.bar_chart(by_status),
        "by_priority": charts.bar_chart(by_priority),
        "by_category": charts.bar_chart(by_category),
        "median_first_response": format_duration(
            stats.median_first_response(start, end)
        ),
        "median_resolution": format_duration(stats.median_resolution(start, end)),
        "conversations": stats.conversation_outcomes(start, end),
        "handoffs": charts.bar_chart(handoffs),
        "tickets_by_handoff": charts.bar_chart(tickets_by_handoff),
        "satisfaction": stats.satisfaction(start, end),
        "usage": usage,
        "usage_total_cost": sum(day["cost"] for day in usage["days"]),
        "cost_chart": charts.column_chart(daily_cost),
    }


def format_duration(duration):
    """Return a duration as days, hours and minutes, or "—" for None."""
    if duration is None:
        return "—"
    minutes = round(duration.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {
            "hours": hours,
            "minutes": minutes,
        }
    return gettext("%(minutes)d min") % {"minutes": minutes}
