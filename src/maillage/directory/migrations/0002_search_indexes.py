"""Full-text indexes for word search and filter tokens (facets), on PostgreSQL only.

``search_text`` holds normalised words (see ``maillage.core.text``); the ``words`` lookup
(``maillage.common.lookups``) matches each query word as a prefix with
``to_tsvector('simple', search_text) @@ to_tsquery(...)``, which a GIN expression index serves
without recomputing anything at query time. SQLite scans, which is fast enough at the embedded
default's scale.
"""

from django.db import migrations

TABLES = ("directory_organisationsearch", "directory_initiativesearch", "directory_offersearch")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for column in ("search_text", "facets"):
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{column}_fts ON {table} "
                f"USING gin (to_tsvector('simple'::regconfig, {column}))"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for column in ("search_text", "facets"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_fts")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
