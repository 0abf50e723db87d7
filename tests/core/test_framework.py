"""The framework file: the bundled one is complete and sourced; bad files fail with errors naming the element."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from maillage.core.errors import MaillageError
from maillage.core.framework import EXAMPLE, parse_framework, read_framework

DATA = Path(__file__).resolve().parents[2] / "src" / "maillage" / "data"
BUNDLED = DATA / "frameworks" / "conditions-de-reussite.yaml"
SUPPORT_TYPES = {t["code"] for t in json.loads((DATA / "taxonomies.json").read_text())["support_types"]}


@pytest.fixture(scope="module")
def bundled():
    return read_framework(BUNDLED, support_types=SUPPORT_TYPES)


def test_bundled_framework_goes_from_the_initiative_to_the_global_environment(bundled):
    assert [level.id for level in bundled.levels] == [
        "initiative",
        "organisation",
        "soutien",
        "ecosysteme-local",
        "environnement-global",
    ]
    assert 20 <= len(bundled.elements) <= 30
    assert all(2 <= len(e.questions) <= 4 for e in bundled.elements)
    assert all(1 <= e.importance <= 3 for e in bundled.elements)


def test_bundled_framework_cites_its_sources_and_uses_every_one(bundled):
    cited = {source for element in bundled.elements for source in element.sources}
    assert all(element.sources for element in bundled.elements)
    assert cited == {source.id for source in bundled.sources}


def test_bundled_framework_is_bilingual_everywhere(bundled):
    texts = [bundled.title, bundled.about]
    for level in bundled.levels:
        texts += [level.name, level.description]
    for element in bundled.elements:
        texts += [element.name, element.description, *(q.text for q in element.questions)]
    assert all(text.fr and text.en and text.fr != text.en for text in texts)


def test_element_ids_used_by_the_allocation_format_exist(bundled):
    ids = {element.id for element in bundled.elements}
    assert {"financement-souple", "gouvernance", "reseautage"} <= ids


def test_document_round_trip(bundled):
    assert parse_framework(bundled.as_dict(), support_types=SUPPORT_TYPES) == bundled


def _broken(change):
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return data


def _element(data):
    return data["levels"][0]["elements"][0]


def _duplicate(data):
    data["levels"][0]["elements"].append(copy.deepcopy(_element(data)))


CASES = [
    ("unknown support type", lambda d: _element(d).update(support_types=["magie"]), "support_type_unknown",
     "Element “gouvernance”: the support type “magie” does not exist."),
    ("duplicate element", _duplicate, "element_duplicate",
     "Element “gouvernance” appears twice: element ids must be unique."),
    ("missing English name", lambda d: _element(d)["name"].pop("en"), "translation_missing",
     "Element “gouvernance”: the name in English is missing."),
    ("missing French question", lambda d: _element(d)["questions"][1]["text"].update(fr=" "), "translation_missing",
     "Element “gouvernance”, question 2: the text in French is missing."),
    ("one question only", lambda d: _element(d)["questions"].pop(), "questions_count",
     "Element “gouvernance”: it needs 2 to 4 questions."),
    ("importance out of range", lambda d: _element(d).update(importance=5), "importance_invalid",
     "Element “gouvernance”: the importance must be 1, 2 or 3."),
    ("unknown source", lambda d: _element(d).update(sources=["nowhere"]), "source_unknown",
     "Element “gouvernance”: the source “nowhere” is not in the list of sources."),
    ("bad element id", lambda d: _element(d).update(id="Gouvernance Saine"), "identifier_invalid",
     "Element “Gouvernance Saine”: the id must be lower-case letters, digits and hyphens "
     "(for example “shared-vision”)."),
    ("wrong format", lambda d: d.update(format="other/1"), "format_unknown",
     "The format must be “maillage-framework/1”."),
    ("no date", lambda d: d.pop("valid_from"), "valid_from_invalid",
     "The framework needs a valid-from date (YYYY-MM-DD)."),
    ("no levels", lambda d: d.update(levels=[]), "levels_missing", "The framework has no levels."),
]  # fmt: skip


@pytest.mark.parametrize(("change", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_files_are_refused_with_a_message_naming_the_element(change, code, message):
    with pytest.raises(MaillageError) as caught:
        parse_framework(_broken(change), support_types={"accompagnement"})
    assert caught.value.code == "framework_invalid"
    assert [(p.code, p.message) for p in caught.value.problems] == [(code, message)]


def test_every_problem_is_reported_at_once():
    def many(data):
        _element(data)["support_types"] = ["magie"]
        _element(data)["name"].pop("fr")
        data["version"] = ""

    with pytest.raises(MaillageError) as caught:
        parse_framework(_broken(many), support_types={"accompagnement"})
    assert {p.code for p in caught.value.problems} == {"support_type_unknown", "translation_missing", "version_missing"}
    assert caught.value.message == "The framework file is not valid: 3 problems."
    assert caught.value.problems[0].field is not None


def test_unreadable_yaml(tmp_path):
    path = tmp_path / "cadre.yaml"
    path.write_text("levels: [unclosed", encoding="utf-8")
    with pytest.raises(MaillageError) as caught:
        read_framework(path, support_types=None)
    assert caught.value.code == "framework_unreadable"


def test_support_types_are_checked_only_when_given():
    data = _broken(lambda d: _element(d).update(support_types=["ancien-type"]))
    assert parse_framework(data, support_types=None).elements[0].support_types == ("ancien-type",)
