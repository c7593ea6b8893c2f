"""Make sure the portal can be used: the public tenant row exists, and so does a system administrator.

On the first run it creates the administrator `admin` with a generated password, prints it once and
keeps it in a file readable only by its owner (given with --credentials-file).
"""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from tenants.services import ensure_public_tenant


class Command(BaseCommand):
    help = "Create the public tenant row and a first system administrator when there is none."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("PORTAL_ADMIN_USERNAME", "admin"))
        parser.add_argument("--credentials-file", default="")

    def handle(self, *args, username: str, credentials_file: str, **options):
        ensure_public_tenant()
        User = get_user_model()
        if User.objects.filter(is_superuser=True, is_active=True).exists():
            self.stdout.write("System administrator: already set up.")
            if credentials_file and Path(credentials_file).exists():
                self.stdout.write(f"First administrator's credentials are in {credentials_file}.")
            return
        password = os.environ.get("PORTAL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if credentials_file:
            path = Path(credentials_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"username={username}\npassword={password}\n")
            path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Created the system administrator:"))
        self.stdout.write(f"    username: {username}\n    password: {password}")
