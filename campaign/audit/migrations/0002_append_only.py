"""On PostgreSQL the audit tables refuse UPDATE and DELETE, whoever connects as the app: the one
update allowed is the one a foreign key makes when a person's row is deleted (their rows keep
everything but the link). TRUNCATE (tests, a restore) is a statement the triggers do not see.
SQLite has no such triggers here: the app itself never writes these rows but to add them."""

from django.db import migrations

TABLES = {"audit_changeentry": "actor_id", "audit_securityevent": "user_id"}

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
            AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS NULL
            AND (to_jsonb(OLD) - TG_ARGV[0]) = (to_jsonb(NEW) - TG_ARGV[0]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)   # its "%" are PL/pgSQL's, not placeholders
    for table, person in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_append_only('{person}')")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_trail")]
    operations = [migrations.RunPython(forwards, backwards)]
