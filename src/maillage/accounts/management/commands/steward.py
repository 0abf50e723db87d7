from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.accounts.models import User
from maillage.accounts.services import user_set_steward


class Command(BaseCommand):
    help = "Appoint (or remove with --remove) an ecosystem steward, by the e-mail address of their account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--remove", action="store_true", help="Remove the steward role.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No account uses {options['email']}: the person signs up first.")
        user_set_steward(actor=None, user=user, is_steward=not options["remove"])
        state = "no longer a steward" if options["remove"] else "a steward (administration site: /admin/)"
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {state}."))
