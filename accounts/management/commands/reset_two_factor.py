"""An operator's reset of a user's two-factor sign-in (lost or replaced phone)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services.two_factor import reset_two_factor


class Command(BaseCommand):
    help = ("Remove a user's authenticator app: the next sign-in needs the password only (and, when the security "
            "policy requires two-factor for administrators, leads straight to setting up a new app).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        removed = reset_two_factor(user=user, by="manage.py reset_two_factor")
        self.stdout.write(self.style.SUCCESS(
            f"Two-factor sign-in of {username} reset ({removed} authenticator app(s) removed)."))
