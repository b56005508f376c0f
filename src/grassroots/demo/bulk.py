"""Writing the demo in bulk: rows as tuples with executemany, the tree written at once, the old demo deleted.

A seed is not a user action: nothing written here goes to the audit trail.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, ProtectedError, Q

from grassroots.core.sealed import SealedField, prepared_rows
from grassroots.organizations.models import Grant, Member, Organization, Post, Transfer

from .accounts import demo_usernames

BATCH_SIZE = 5000


def insert_rows(model, fields, rows) -> int:
    """INSERT rows (tuples in the order of `fields`) with executemany, in batches; returns how many.

    bulk_create spends about 0.3 ms a row preparing each field of each model instance; a province has
    4 million members, so the rows are built as plain tuples of database-ready values instead.
    """
    if not rows:
        return 0
    fields, rows = prepared_rows(model, fields, rows)  # personal data sealed, its digests added
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])
    if "id" in fields:
        reset_sequences([model])  # explicit ids: the sequence must never fall behind them
    return len(rows)


def update_rows(model, fields, key, rows) -> int:
    """UPDATE rows (tuples: the fields' values, then the key) with executemany (never of sealed personal data)."""
    if not rows:
        return 0
    if any(isinstance(model._meta.get_field(name), SealedField) for name in fields):
        raise ValueError("update_rows writes no sealed field: its value and digest go through the ORM")
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(key)} = %s"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])
    return len(rows)


def next_pk(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def reset_sequences(models) -> None:
    if connection.vendor == "postgresql":  # ids were given explicitly: move the sequences past them
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)


def reset_app_sequences() -> None:
    """After rows written with explicit ids, PostgreSQL's sequences must continue after them."""
    reset_sequences(
        m
        for m in apps.get_models()
        if m._meta.app_label in ("core", "organizations", "duties", "orglife", "assessment")
    )


def write_organizations(plan) -> None:
    """The planned tree, its materialized paths, depths and child counts as computed in the plan."""
    steplen = Organization.steplen
    rows = []
    for node in plan.nodes:
        rows.append(
            Organization(
                id=node.id,
                path=node.path,
                depth=len(node.path) // steplen,
                numchild=len(node.children),
                code=node.code,
                name=node.name,
                name_en=node.name_en,
                kind=node.kind,
                unit_type=node.unit_type,
                parent_id=node.parent.id if node.parent else None,
                founded_on=node.founded_on,
            )
        )
        if len(rows) >= BATCH_SIZE:
            Organization.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            rows = []
    Organization.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _reverse_relations(model) -> list:
    """Every relation pointing at `model`, the hidden ones too (related_name="+", which `related_objects` leaves out:
    the dashboards' totals hang on the tree that way)."""
    return [f for f in model._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]


def delete_existing() -> None:
    """Everything hanging on the tree, the tree, and the demo accounts."""
    own = (Grant, Post, Transfer, Member, Organization)
    others = []
    for model in own:
        for rel in _reverse_relations(model):
            if rel.related_model not in own and rel.related_model not in others:
                others.append(rel.related_model)
    # And the rows that hang on those only (a board's entries, a review's ratings...), which may protect them.
    hanging = []
    frontier = list(others)
    while frontier:
        model = frontier.pop()
        for rel in _reverse_relations(model):
            related = rel.related_model
            if related not in own and related not in others and related not in hanging:
                hanging.append(related)
                frontier.append(related)
    # Rows of other apps (duties, meetings, assessments...) that hang on the tree go through the ORM, so their
    # cascades apply; rows that do not (default meeting rules, say) stay. Protected rows wait for their protectors.
    pending = []
    for model in others:
        links = Q(pk__in=[])
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model in own:
                links |= Q(**{f"{field.name}__isnull": False})
        pending.append((model, links))
    for model in hanging:
        # Only the rows that hang on rows about to go (the closure is of models; a model may also hang elsewhere).
        links = Q(pk__in=[])
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model in others:
                links |= Q(**{f"{field.name}__isnull": False})
        pending.append((model, links))
    while pending:
        blocked = []
        for model, links in pending:
            try:
                with transaction.atomic():
                    model._base_manager.filter(links).delete()
            except ProtectedError:
                blocked.append((model, links))
        if len(blocked) == len(pending):
            raise ProtectedError("demo data cannot be removed: rows protect each other", set())
        pending = blocked
    for model in own:
        # One DELETE per table: the ORM's collector would load millions of rows to cascade what is gone anyway.
        qs = model._base_manager.all()
        qs._raw_delete(qs.db)
    get_user_model().objects.filter(username__in=demo_usernames()).delete()
