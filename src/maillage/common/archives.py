"""Names of archive members (zip uploads, backup archives) that are safe to unpack."""

from __future__ import annotations

from pathlib import PurePosixPath


def member_path(name: str) -> PurePosixPath | None:
    """The relative path of an archive member, or None when it would lead out of the folder it is unpacked
    into (an absolute path, a drive, ``..``) or holds a character no file name should."""
    if "\x00" in name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    path = PurePosixPath(name)
    if any(part in ("..", "") for part in path.parts) or path.is_absolute():
        return None
    return path
