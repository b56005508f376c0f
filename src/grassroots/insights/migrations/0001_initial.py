from django.db import migrations


class Migration(migrations.Migration):
    """The app's first step, empty: each part's models come in a migration of their own."""

    initial = True
    dependencies: list = []
    operations: list = []
