"""`grassroots manage rebuild_counted`: set every assignment's stored roll-up rule (`Assignment.counted`) from the
rule itself, after writes made past the services (a bulk load, a restore of an old backup, a fix by hand in SQL)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from grassroots.duties.counting import rebuild_counted


class Command(BaseCommand):
    help = "Set every assignment's 'counted in the roll-ups' flag from the roll-up's rule; prints how many changed."

    def handle(self, *args, **options):
        with transaction.atomic():
            changed = rebuild_counted()
        self.stdout.write(f"assignments whose counted flag changed: {changed}")
