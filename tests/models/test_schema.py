"""Schema conventions every model must keep."""
import pytest

from models.base import Base, Record

TABLES = sorted(Base.metadata.tables.values(), key=lambda t: t.name)


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_it_indexes_every_foreign_key(table):
    indexed = {tuple(c.name for c in index.columns) for index in table.indexes}
    indexed |= {tuple(c.name for c in table.primary_key.columns)[:1]}
    indexed |= {tuple(c.name for c in u.columns)[:1] for u in table.constraints
                if u.__class__.__name__ == "UniqueConstraint"}
    missing = [fk.parent.name for fk in table.foreign_keys if (fk.parent.name,) not in indexed]
    assert missing == [], f"{table.name}: foreign keys without an index: {missing}"


def test_it_versions_every_editable_record():
    records = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Record)]
    assert len(records) >= 25
    for model in records:
        assert model.__mapper__.version_id_col is model.__table__.c.version_id, model


def test_it_labels_every_column_in_chinese():
    unlabeled = [f"{t.name}.{c.name}" for t in TABLES for c in t.columns
                 if not c.primary_key and c.name not in {"version_id", "password_hash"}
                 and t.name != "coach_dealer" and "label" not in c.info
                 and not c.info.get("secret")]  # link tokens: unlabelled, so never shown or printed
    assert unlabeled == []
