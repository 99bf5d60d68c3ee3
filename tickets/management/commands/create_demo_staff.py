import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

DEMO_USERNAME = "demo-staff"


class Command(BaseCommand):
    help = (
        "Create the demo IT staff account, a superuser for the Django admin, or "
        "make an existing one an active superuser again. A new account gets a "
        "random password. An existing one keeps its password unless --password "
        "or --reset-password is given. Prints the username, the password when "
        "it was set, and the admin URL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--username",
            default=DEMO_USERNAME,
            help="username of the account (default: %(default)s)",
        )
        password = parser.add_mutually_exclusive_group()
        password.add_argument(
            "--password",
            help="password to set, which must pass AUTH_PASSWORD_VALIDATORS",
        )
        password.add_argument(
            "--reset-password",
            action="store_true",
            help="set a new random password on an existing account",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="scheme, host and port that the printed admin URL starts with "
            "(default: %(default)s)",
        )

    def handle(self, *args, username, password, reset_password, base_url, **options):
        with transaction.atomic():
            user, created = self.get_or_create_staff(username)
            if password is not None:
                self.validate(password, user)
            elif created or reset_password:
                password = secrets.token_urlsafe(12)

            if password is not None:
                user.set_password(password)
            user.save()

        admin_url = base_url.rstrip("/") + reverse("admin:index")
        self.stdout.write(f"{'Created' if created else 'Updated'} staff account.")
        self.stdout.write(f"  username: {username}")
        if password is None:
            self.stdout.write(
                "  password: unchanged (run create_demo_staff --reset-password "
                "to set a new one)"
            )
        else:
            self.stdout.write(f"  password: {password}")
        self.stdout.write(f"  admin:    {admin_url}")

    def get_or_create_staff(self, username):
        """Get or create the account ``username``, made an active superuser."""
        user_model = get_user_model()
        user, created = user_model._default_manager.select_for_update().get_or_create(
            **{user_model.USERNAME_FIELD: username}
        )
        user.is_active = True
        user.is_staff = True
        user.is_superuser = True
        return user, created

    def validate(self, password, user):
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                "The password is invalid: " + " ".join(error.messages)
            ) from error
