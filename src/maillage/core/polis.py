"""Read a conversation as Pol.is publishes it (compdemocracy/openData): a folder with ``votes.csv``,
``comments.csv`` and, when Pol.is computed groups, ``participants-votes.csv``.

- ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote``, every vote cast, ``vote`` 1 = agree,
  −1 = disagree, 0 = pass (the export's signs; Pol.is's database stores them the other way round);
  the latest vote of a voter on a comment counts. Rows in the order Pol.is writes them (comment,
  voter, time): the matrix's rows and columns follow, as in Pol.is's own recomputation.
- ``comments.csv``: ``comment-id``, ``moderated`` (1 accepted, 0 not yet, −1 moderated out), the text in
  ``comment-body``.
- ``participants-votes.csv``: ``participant,group-id,…``, the groups Pol.is reported (empty for
  participants outside the conversation).

Bad files are refused as a whole, with each problem's file, row and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MaillageError, Problem
from .opinions import Votes

VOTES_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
COMMENTS_COLUMNS = ("comment-id", "moderated", "comment-body")


@dataclass
class PolisExport:
    votes: Votes
    comments: dict[str, str] = field(default_factory=dict)  # comment id → text
    reported_groups: dict[str, str] = field(default_factory=dict)  # participant → Pol.is's group id


def _rows(path: Path, needed: tuple[str, ...], problems: list[Problem]) -> list[dict[str, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem("file_missing", f"{path.name} is missing from the export folder.", file=path.name))
        return []
    except UnicodeDecodeError as exc:
        problems.append(Problem("encoding_invalid", f"{path.name} is not UTF-8 (byte {exc.start}).", file=path.name))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in needed if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(
            Problem(
                "columns_missing",
                f"{path.name} lacks the column(s) {', '.join(missing)}: is it a Pol.is export?",
                file=path.name,
            )
        )
        return []
    return list(reader)


def read_export(folder: str | Path) -> PolisExport:
    """The conversation of a Pol.is export folder (see the module's docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MaillageError("export_missing", f"{folder} is not a folder.")
    problems: list[Problem] = []
    votes = _rows(folder / "votes.csv", VOTES_COLUMNS, problems)
    comments = _rows(folder / "comments.csv", COMMENTS_COLUMNS, problems)
    parsed: list[tuple[int, int, int, int]] = []
    for number, row in enumerate(votes, start=2):
        try:
            item = (int(row["comment-id"]), int(row["voter-id"]), int(row["timestamp"]), int(row["vote"]))
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    "value_invalid",
                    "Expected whole numbers in comment-id, voter-id, timestamp and vote.",
                    row=number,
                    file="votes.csv",
                )
            )
            continue
        if item[3] not in (1, -1, 0):
            problems.append(
                Problem(
                    "vote_invalid", f"A vote is 1, -1 or 0, not {item[3]}.", field="vote", row=number, file="votes.csv"
                )
            )
            continue
        parsed.append(item)
    moderated_out: set[str] = set()
    texts: dict[str, str] = {}
    for number, row in enumerate(comments, start=2):
        if row["moderated"] not in ("1", "0", "-1"):
            problems.append(
                Problem("moderated_invalid", "Expected 1, 0 or -1.", field="moderated", row=number, file="comments.csv")
            )
            continue
        texts[row["comment-id"]] = row["comment-body"] or ""
        if row["moderated"] == "-1":
            moderated_out.add(row["comment-id"])
    if problems:
        raise MaillageError("export_invalid", "The Pol.is export cannot be read: see the problems listed.", problems)
    if not parsed:
        raise MaillageError("export_empty", "The Pol.is export holds no vote.")
    parsed.sort()  # comment, voter, time: the order Pol.is recomputes in
    matrix_votes = Votes.from_votes(
        ((str(voter), str(comment), vote) for comment, voter, _time, vote in parsed), moderated_out=moderated_out
    )
    reported: dict[str, str] = {}
    groups_file = folder / "participants-votes.csv"
    if groups_file.exists():
        group_rows = _rows(groups_file, ("participant", "group-id"), problems)
        if problems:
            raise MaillageError(
                "export_invalid", "The Pol.is export cannot be read: see the problems listed.", problems
            )
        reported = {row["participant"]: row["group-id"] for row in group_rows}
    return PolisExport(matrix_votes, texts, reported)
