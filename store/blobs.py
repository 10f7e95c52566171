"""Content-addressed media files under the media dir."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_EXT = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def safe_name(name: str) -> str:
    """A file name with any directory part and control characters removed (never '../')."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f]", "", base).strip().lstrip(".")
    return base[:200] or "file"


class BlobStore:
    """Writes each distinct content once, named by its sha256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes, ext: str = "") -> tuple[str, str]:
        """Store bytes; returns (sha256, path relative to the media dir)."""
        sha = hashlib.sha256(data).hexdigest()
        ext = ext if _EXT.match(ext or "") else ""
        rel = f"{sha[:2]}/{sha[2:4]}/{sha}{ext.lower()}"
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # write then rename, so a crash never leaves a half file under the final name
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return sha, rel

    def path(self, rel: str) -> Path:
        """The absolute path of a stored file."""
        return self.root / rel

    def read(self, rel: str) -> bytes:
        """The bytes of a stored file."""
        return (self.root / rel).read_bytes()
