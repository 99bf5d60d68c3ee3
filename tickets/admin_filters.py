from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

ASSIGNED_TO_ME = "me"
UNASSIGNED = "none"


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True, is_active=True)
        return [
            (ASSIGNED_TO_ME, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *(
                (str(user.pk), user.get_full_name() or user.get_username())
                for user in staff
            ),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == ASSIGNED_TO_ME:
            return queryset.filter(assignee=request.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        return queryset
