"""Fill French translations in the catalogue from a JSON object {msgid: msgstr} (developer tool).

    .venv/bin/python scripts/translate.py new-strings.json
    .venv/bin/python scripts/translate.py --missing     # list untranslated and fuzzy entries

Plural entries take a list [singular, plural]. Entries it fills lose their fuzzy flag.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[1] / "src/maillage/locale/fr/LC_MESSAGES/django.po"


def main() -> int:
    po = polib.pofile(str(CATALOGUE), wrapwidth=0)
    if sys.argv[1:] == ["--missing"]:
        for entry in po.untranslated_entries() + po.fuzzy_entries():
            print(json.dumps(entry.msgid, ensure_ascii=False))
        return 0
    translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    done = 0
    for entry in po:
        if entry.msgid in translations:
            value = translations[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value[0], 1: value[1]}
            else:
                entry.msgstr = value
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            done += 1
    po.save()
    print(f"{done} entries translated; {len(po.untranslated_entries()) + len(po.fuzzy_entries())} left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
