"""Model fields of sealed personal data: the ORM reads and writes plain text in Python, the database holds only
ciphertext (core.fieldcrypt) and, beside a searchable field, its keyed digest.

`SealedField` seals on every write (save, bulk_create, update) and opens on every read. A search by the exact value,
`filter(phone=x)` or `filter(id_number__in=[...])`, is answered by the digest column named in `digest=`, never by
opening rows; any other lookup on a sealed field (contains, starts with...) is refused, as the ciphertext cannot
answer it, and ordering by one orders only the ciphertext (sort in Python). `DigestField` fills itself from its
source field whenever the row is saved or bulk-created; a bulk_update or a queryset update of the source must refill
it (`refresh_digests`).
"""

from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull, Lookup

from . import fieldcrypt


class SealedField(models.CharField):
    """Text stored sealed; `max_length` bounds the plain text, the column is unbounded text."""

    def __init__(self, *args, digest: str = "", **kwargs):
        self.digest_name = digest
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.digest_name:
            kwargs["digest"] = self.digest_name
        return name, path, args, kwargs

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return fieldcrypt.open_value(value, self.name)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return fieldcrypt.seal(value, self.name)  # always: even text that looks sealed is someone's plain text

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return SealedExact
        if lookup_name == "in":
            return SealedIn
        return None

    def get_transform(self, name):
        return None


class SealedTextField(SealedField):
    """Longer text stored sealed, unbounded like a TextField."""

    def _check_max_length_attribute(self, **kwargs):
        return [] if self.max_length is None else super()._check_max_length_attribute(**kwargs)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"widget": forms.Textarea, **kwargs})


class _SealedLookup(Lookup):
    """A lookup on a sealed field answered by its digest column (or, for the empty value, by the column itself)."""

    prepare_rhs = False
    can_use_none_as_rhs = True

    def get_prep_lookup(self):
        return self.rhs

    def _digest_col(self):
        field = self.lhs.output_field
        if not isinstance(self.lhs, Col) or not field.digest_name:
            raise TypeError(
                f"{field.model.__name__}.{field.name} is sealed: it is matched only by its full value, through its "
                "digest column (and not through an expression)"
            )
        digest_field = field.model._meta.get_field(field.digest_name)
        return Col(self.lhs.alias, digest_field), digest_field, field


class SealedExact(_SealedLookup):
    lookup_name = "exact"

    def as_sql(self, compiler, connection):
        if self.rhs in (None, ""):
            return Exact(self.lhs, self.rhs).as_sql(compiler, connection)
        col, _digest_field, field = self._digest_col()
        return Exact(col, fieldcrypt.digest(self.rhs, field.name)).as_sql(compiler, connection)


class SealedIn(_SealedLookup):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        col, _digest_field, field = self._digest_col()
        digests = [d for d in (fieldcrypt.digest(v, field.name) for v in self.rhs) if d]
        if not digests:
            return "1 = 0", []
        return In(col, digests).as_sql(compiler, connection)


class DigestField(models.CharField):
    """The keyed digest of the field `source` (HMAC-SHA256 or HMAC-SM3, hex), for exact search and uniqueness."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("null", True), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def value_for(self, instance):
        return fieldcrypt.digest(getattr(instance, self.source), self.source)

    def pre_save(self, instance, add):
        value = self.value_for(instance)
        setattr(instance, self.attname, value)
        return value


def digest_fields(model) -> list[DigestField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, DigestField)]


def sealed_fields(model) -> list[SealedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedField)]


def refresh_digests(objs, fields) -> list[str]:
    """Set the digests of `objs` from their sources, for a bulk_update of `fields`; returns `fields` with the digest
    columns whose source is among them added."""
    objs = list(objs)
    if not objs:
        return list(fields)
    extra = [f for f in digest_fields(type(objs[0])) if f.source in fields and f.name not in fields]
    for obj in objs:
        for field in extra:
            setattr(obj, field.attname, field.value_for(obj))
    return [*fields, *(f.name for f in extra)]


def prepared_rows(model, fields, rows) -> tuple[tuple, list]:
    """Rows of plain values for a raw INSERT (the demo's bulk writer) made ready: sealed fields sealed, and the digest
    columns whose source is among `fields` added at the end. Returns the fields and the rows."""
    fields = tuple(fields)
    sealed = [(i, f) for i, name in enumerate(fields) if isinstance(f := model._meta.get_field(name), SealedField)]
    digests = [(fields.index(d.source), d) for d in digest_fields(model) if d.source in fields and d.name not in fields]
    if not sealed and not digests:
        return fields, rows
    ring = fieldcrypt.keyring()
    out = []
    for row in rows:
        row = list(row)
        extra = [fieldcrypt.digest(row[i], d.source, ring=ring) for i, d in digests]
        for i, field in sealed:
            if row[i]:
                row[i] = fieldcrypt.seal(row[i], field.name, ring=ring)
        out.append((*row, *extra))
    return (*fields, *(d.name for _, d in digests)), out


def sealed_tables() -> dict[str, dict[str, str | None]]:
    """Every table holding sealed fields: {table: {column: its digest column or None}}."""
    from django.apps import apps

    tables = {}
    for model in apps.get_models():
        columns = {}
        for field in sealed_fields(model):
            digest_field = model._meta.get_field(field.digest_name) if field.digest_name else None
            columns[field.column] = digest_field.column if digest_field else None
        if columns:
            tables[model._meta.db_table] = columns
    return tables


def rotate(*, batch: int = 1000, using: str = "default", progress=None) -> dict:
    """Every sealed value brought under the current key and cipher and every digest recomputed, table by table in
    batches (each batch in its own transaction, so a long run holds no lock for long and may be run again)."""
    from django.db import connections, transaction

    connection = connections[using]
    done = {}
    for table, columns in sealed_tables().items():
        with transaction.atomic(using=using):
            done[table] = fieldcrypt.reseal_table(connection, table, columns, batch=batch)
        if progress:
            progress(table, done[table])
    return done


def inventory(using: str = "default") -> dict[str, dict[str, int]]:
    """How many stored values each key sealed, by table."""
    from django.db import connections

    connection = connections[using]
    return {table: fieldcrypt.stored_key_ids(connection, table, columns) for table, columns in sealed_tables().items()}


def check_stored(using: str = "default") -> list[str]:
    """What keeps this process from reading the stored personal data, said plainly (empty when it can): a value
    sealed under a key id GRASSROOTS_FIELD_KEYS does not hold, or a held key that does not open the newest value it
    sealed (a wrong key under a right id). A few indexed reads per column, quick enough for every start."""
    from django.db import connections

    connection = connections[using]
    quote = connection.ops.quote_name
    ring = fieldcrypt.keyring()
    problems = []
    for table, columns in sealed_tables().items():
        for column in columns:
            newest = f"SELECT {quote(column)} FROM {quote(table)} WHERE {{}} ORDER BY id DESC LIMIT 1"
            like = f"{quote(column)} LIKE %s"
            held = [f"{fieldcrypt.VERSION}:{key_id}:%" for key_id in ring.keys]
            with connection.cursor() as cursor:
                cursor.execute(
                    newest.format(" AND ".join([like, *(f"{quote(column)} NOT LIKE %s" for _ in held)])),
                    [f"{fieldcrypt.VERSION}:%", *held],
                )
                row = cursor.fetchone()
                if row:
                    problems.append(
                        f"{table}.{column}: values sealed under key {fieldcrypt.key_of(row[0])!r}, which "
                        "GRASSROOTS_FIELD_KEYS does not hold (add it back after the current key)"
                    )
                for pattern in held:
                    cursor.execute(newest.format(like), [pattern])
                    row = cursor.fetchone()
                    if row is None:
                        continue
                    try:
                        fieldcrypt.open_value(row[0], column, ring=ring)
                    except fieldcrypt.FieldKeyError as exc:
                        problems.append(f"{table}.{column}: {exc}")
    return problems
