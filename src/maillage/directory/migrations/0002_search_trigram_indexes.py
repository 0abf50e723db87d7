"""Trigram indexes for accent- and case-insensitive substring search, on PostgreSQL only.

``search_text`` holds normalised text (see ``maillage.core.text``); queries match each
normalised word with ``LIKE '%word%'``, which a GIN ``gin_trgm_ops`` index serves. SQLite
has no such index and scans, which is fast enough at the embedded default's scale.
pg_trgm is a trusted extension: the database owner can create it.
"""

from django.db import migrations

TABLES = ("directory_organisation", "directory_initiative", "directory_supportoffer")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
