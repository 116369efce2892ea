import hashlib
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from truthline.store.blobs import BlobStore
from truthline.store.database import MIGRATIONS
from truthline.store.schema import SCHEMA_REVISION


def test_schema_revision_is_alembic_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_REVISION


def test_blob_store_is_content_addressed_and_atomic(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    sha = store.put_bytes(b"hello")
    assert sha == hashlib.sha256(b"hello").hexdigest()
    assert store.path(sha) == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert store.put_bytes(b"hello") == sha and store.read_bytes(sha) == b"hello"
    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * 3_000_000)
    sha2, size = store.put_file(src)
    assert size == 3_000_000 and store.verify(sha2)
    assert not list((tmp_path / "blobs" / "tmp").iterdir())  # no temporary file left behind
    store.path(sha2).write_bytes(b"tampered")
    assert not store.verify(sha2)
    assert sorted(store.iter_shas()) == sorted([sha, sha2])
