"""The success-conditions framework: what lets an initiative fully succeed, as versioned data.

A framework groups *elements* (conditions of success) in *levels* that go from the
initiative itself up to the global environment in which it evolves. Each element has
bilingual texts, 2 to 4 questions answered on a 1–5 scale (or "not applicable"), the
support types that can address it, a default importance (1 useful, 2 important,
3 essential) and the published sources it draws on.

Frameworks arrive as YAML or JSON files written by people, so :func:`parse_framework`
checks everything and reports every problem at once, each naming the element (or level,
or source) concerned; it returns nothing unless the whole file is valid.

>>> fw = parse_framework(EXAMPLE, support_types={"accompagnement"})
>>> [e.id for e in fw.elements], fw.question_keys()[:2]
(['gouvernance'], ['gouvernance.q1', 'gouvernance.q2'])
>>> try:
...     parse_framework({**EXAMPLE, "version": ""}, support_types=None)
... except MaillageError as error:
...     print(error.code, [(p.code, p.field) for p in error.problems])
framework_invalid [('version_missing', 'version')]
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import MaillageError, Problem
from .i18n import gettext as _

__all__ = [
    "EXAMPLE",
    "FORMAT",
    "Element",
    "Framework",
    "Level",
    "Question",
    "Source",
    "Text",
    "parse_framework",
    "read_framework",
]

FORMAT = "maillage-framework/1"
IMPORTANCES = (1, 2, 3)
MIN_QUESTIONS, MAX_QUESTIONS = 2, 4
MAX_LEVELS, MAX_ELEMENTS = 12, 120
MAX_ID, MAX_TITLE = 80, 200
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")


@dataclass(frozen=True)
class Text:
    """A text in French and English; English falls back to French when missing."""

    fr: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") and self.en else self.fr

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    url: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    key: str  # "<element>.<question>", unique in the framework: answers are keyed by it
    text: Text


@dataclass(frozen=True)
class Element:
    id: str
    level: str
    name: Text
    description: Text
    importance: int
    support_types: tuple[str, ...]
    sources: tuple[str, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level:
    id: str
    name: Text
    description: Text
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    valid_from: dt.date
    title: Text
    about: Text
    sources: tuple[Source, ...]
    levels: tuple[Level, ...]

    @property
    def elements(self) -> tuple[Element, ...]:
        return tuple(element for level in self.levels for element in level.elements)

    def element(self, element_id: str) -> Element:
        for element in self.elements:
            if element.id == element_id:
                return element
        raise KeyError(element_id)

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def questions(self) -> Iterator[Question]:
        for element in self.elements:
            yield from element.questions

    def question_keys(self) -> list[str]:
        return [question.key for question in self.questions()]

    def source(self, source_id: str) -> Source:
        return next(source for source in self.sources if source.id == source_id)

    def as_dict(self) -> dict[str, Any]:
        """The framework as a document of the ``maillage-framework/1`` format (JSON-ready)."""
        return {
            "format": FORMAT,
            "id": self.id,
            "version": self.version,
            "valid_from": self.valid_from.isoformat(),
            "title": self.title.as_dict(),
            "about": self.about.as_dict(),
            "sources": [
                {"id": s.id, "citation": s.citation, **({"url": s.url} if s.url else {})} for s in self.sources
            ],
            "levels": [
                {
                    "id": level.id,
                    "name": level.name.as_dict(),
                    "description": level.description.as_dict(),
                    "elements": [
                        {
                            "id": e.id,
                            "name": e.name.as_dict(),
                            "description": e.description.as_dict(),
                            "importance": e.importance,
                            "support_types": list(e.support_types),
                            "sources": list(e.sources),
                            "questions": [{"id": q.id, "text": q.text.as_dict()} for q in e.questions],
                        }
                        for e in level.elements
                    ],
                }
                for level in self.levels
            ],
        }


def read_framework(path: Path | str, *, support_types: Collection[str] | None) -> Framework:
    """Read and validate a framework file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MaillageError(
            "framework_unreadable",
            _("The framework file {name} cannot be read: {reason}.").format(name=path.name, reason=exc),
        ) from exc
    return parse_framework(load_document(content, name=path.name), support_types=support_types)


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a small file cannot expand into a huge document."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.events.AliasEvent):
            raise yaml.YAMLError("anchors and aliases (&, *) are not allowed")
        return super().compose_node(parent, index)


def load_document(content: str, *, name: str = "") -> Any:
    """Parse YAML (JSON is a subset of YAML) into plain data, with a clear error."""
    content = content.removeprefix("\ufeff")
    try:
        if name.endswith(".json"):
            return json.loads(content)
        return yaml.load(content, Loader=_NoAliasLoader)  # a safe loader, without aliases
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise MaillageError(
            "framework_unreadable",
            _("The framework file is not valid YAML or JSON: {reason}").format(reason=exc),
        ) from exc


def parse_framework(data: Any, *, support_types: Collection[str] | None) -> Framework:
    """Validate a framework document and build the :class:`Framework`.

    ``support_types`` are the codes that elements may name; ``None`` skips that check (for
    frameworks already published, whose codes were checked then).
    """
    parser = _Parser(support_types)
    framework = parser.framework(data)
    if parser.problems or framework is None:
        count = len(parser.problems)
        raise MaillageError(
            "framework_invalid",
            (
                _("The framework file is not valid: {count} problem.")
                if count == 1
                else _("The framework file is not valid: {count} problems.")
            ).format(count=count),
            parser.problems,
        )
    return framework


class _Parser:
    def __init__(self, support_types: Collection[str] | None) -> None:
        self.support_types = None if support_types is None else set(support_types)
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append(Problem(code, message, field=where))

    def text(self, data: Any, where: str, owner: str, what: str) -> Text:
        """A bilingual text; each missing language is one problem, in a whole translatable sentence."""
        data = data if isinstance(data, Mapping) else {}
        values = {}
        for language in ("fr", "en"):
            value = data.get(language)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    "translation_missing", _missing_text(what, language).format(owner=owner), f"{where}.{language}"
                )
                value = ""
            values[language] = value.strip()
        if what in ("title", "name") and any(len(v) > MAX_TITLE for v in values.values()):
            self.problem(
                "text_too_long", _("{owner}: a name or title has at most 200 characters.").format(owner=owner), where
            )
        return Text(values["fr"], values["en"])

    def identifier(self, value: Any, where: str, owner: str) -> str:
        if not isinstance(value, str) or not _ID.match(value) or len(value) > MAX_ID:
            self.problem(
                "identifier_invalid",
                _(
                    "{owner}: the id must be lower-case letters, digits and hyphens (for example “shared-vision”)."
                ).format(owner=owner),
                where,
            )
            return str(value or "")
        return value

    def framework(self, data: Any) -> Framework | None:
        if not isinstance(data, Mapping):
            self.problem("framework_not_a_document", _("The file does not describe a framework."), "")
            return None
        if _has_nul(data):
            self.problem("null_character", _("Text cannot contain the NUL character (\\u0000)."), "")
            return None
        if data.get("format") != FORMAT:
            self.problem(
                "format_unknown",
                _("The format must be “{expected}”.").format(expected=FORMAT),
                "format",
            )
        framework_id = self.identifier(data.get("id"), "id", _("The framework"))
        version = data.get("version")
        if not isinstance(version, str | int | float) or not str(version).strip():
            self.problem("version_missing", _("The framework has no version."), "version")
            version = ""
        elif not _VERSION.match(str(version).strip()):
            self.problem(
                "version_invalid",
                _("The version must be up to 40 letters, digits, dots, hyphens or underscores (for example “2027.1”)."),
                "version",
            )
        valid_from = _date(data.get("valid_from"))
        if valid_from is None:
            self.problem(
                "valid_from_invalid",
                _("The framework needs a valid-from date (YYYY-MM-DD)."),
                "valid_from",
            )
        title = self.text(data.get("title"), "title", _("The framework"), "title")
        about = self.text(data.get("about"), "about", _("The framework"), "description")
        sources = self.sources(data.get("sources"))
        levels = self.levels(data.get("levels"), {s.id for s in sources})
        return Framework(
            id=framework_id,
            version=str(version).strip(),
            valid_from=valid_from or dt.date.min,
            title=title,
            about=about,
            sources=tuple(sources),
            levels=tuple(levels),
        )

    def sources(self, data: Any) -> list[Source]:
        if not isinstance(data, list) or not data:
            self.problem("sources_missing", _("The framework lists no sources."), "sources")
            return []
        sources: list[Source] = []
        seen: set[str] = set()
        for index, item in enumerate(data):
            where = f"sources[{index}]"
            item = item if isinstance(item, Mapping) else {}
            owner = _("Source “{id}”").format(id=item.get("id", index + 1))
            source_id = self.identifier(item.get("id"), f"{where}.id", owner)
            if source_id in seen:
                self.problem("source_duplicate", _("{owner} is listed twice.").format(owner=owner), f"{where}.id")
            seen.add(source_id)
            citation = item.get("citation")
            if not isinstance(citation, str) or not citation.strip():
                self.problem("citation_missing", _("{owner} has no citation.").format(owner=owner), f"{where}.citation")
                citation = ""
            url = item.get("url") or ""
            if url and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
                self.problem(
                    "url_invalid",
                    _("{owner}: the address must start with https://.").format(owner=owner),
                    f"{where}.url",
                )
                url = ""
            sources.append(Source(source_id, citation.strip(), url))
        return sources

    def levels(self, data: Any, source_ids: set[str]) -> list[Level]:
        if not isinstance(data, list) or not data:
            self.problem("levels_missing", _("The framework has no levels."), "levels")
            return []
        if (
            len(data) > MAX_LEVELS
            or sum(len(lv.get("elements") or []) for lv in data if isinstance(lv, Mapping)) > MAX_ELEMENTS
        ):
            self.problem(
                "framework_too_large",
                _("A framework has at most 12 levels and 120 elements: keep it short enough to answer."),
                "levels",
            )
            return []
        levels: list[Level] = []
        level_ids: set[str] = set()
        element_ids: set[str] = set()
        for index, item in enumerate(data):
            where = f"levels[{index}]"
            item = item if isinstance(item, Mapping) else {}
            owner = _("Level “{id}”").format(id=item.get("id", index + 1))
            level_id = self.identifier(item.get("id"), f"{where}.id", owner)
            if level_id in level_ids:
                self.problem("level_duplicate", _("{owner} appears twice.").format(owner=owner), f"{where}.id")
            level_ids.add(level_id)
            name = self.text(item.get("name"), f"{where}.name", owner, "name")
            description = self.text(item.get("description"), f"{where}.description", owner, "description")
            raw_elements = item.get("elements")
            if not isinstance(raw_elements, list) or not raw_elements:
                self.problem("elements_missing", _("{owner} has no elements.").format(owner=owner), f"{where}.elements")
                raw_elements = []
            elements = [
                self.element(raw, f"{where}.elements[{i}]", level_id, element_ids, source_ids)
                for i, raw in enumerate(raw_elements)
            ]
            levels.append(Level(level_id, name, description, tuple(elements)))
        return levels

    def element(self, data: Any, where: str, level_id: str, seen: set[str], source_ids: set[str]) -> Element:
        data = data if isinstance(data, Mapping) else {}
        owner = _("Element “{id}”").format(id=data.get("id", "?"))
        element_id = self.identifier(data.get("id"), f"{where}.id", owner)
        if element_id in seen:
            self.problem(
                "element_duplicate",
                _("{owner} appears twice: element ids must be unique.").format(owner=owner),
                f"{where}.id",
            )
        seen.add(element_id)
        name = self.text(data.get("name"), f"{where}.name", owner, "name")
        description = self.text(data.get("description"), f"{where}.description", owner, "description")
        importance = data.get("importance")
        if importance not in IMPORTANCES or isinstance(importance, bool):
            self.problem(
                "importance_invalid",
                _("{owner}: the importance must be 1, 2 or 3.").format(owner=owner),
                f"{where}.importance",
            )
            importance = 2
        support_types = self.codes(data.get("support_types"), f"{where}.support_types", owner)
        sources = self.source_refs(data.get("sources"), f"{where}.sources", owner, source_ids)
        questions = self.questions(data.get("questions"), f"{where}.questions", owner, element_id)
        return Element(
            id=element_id,
            level=level_id,
            name=name,
            description=description,
            importance=int(importance),
            support_types=tuple(support_types),
            sources=tuple(sources),
            questions=tuple(questions),
        )

    def codes(self, data: Any, where: str, owner: str) -> list[str]:
        if not isinstance(data, list) or not data:
            self.problem(
                "support_types_missing",
                _("{owner}: name at least one support type that can address it.").format(owner=owner),
                where,
            )
            return []
        codes = [str(code) for code in data]
        if self.support_types is not None:
            for code in codes:
                if code not in self.support_types:
                    self.problem(
                        "support_type_unknown",
                        _("{owner}: the support type “{code}” does not exist.").format(owner=owner, code=code),
                        where,
                    )
        return codes

    def source_refs(self, data: Any, where: str, owner: str, source_ids: set[str]) -> list[str]:
        if not isinstance(data, list) or not data:
            self.problem(
                "element_sources_missing", _("{owner}: name the source(s) it draws on.").format(owner=owner), where
            )
            return []
        refs = [str(ref) for ref in data]
        for ref in refs:
            if ref not in source_ids:
                self.problem(
                    "source_unknown",
                    _("{owner}: the source “{source}” is not in the list of sources.").format(owner=owner, source=ref),
                    where,
                )
        return refs

    def questions(self, data: Any, where: str, owner: str, element_id: str) -> list[Question]:
        if not isinstance(data, list) or not MIN_QUESTIONS <= len(data) <= MAX_QUESTIONS:
            self.problem(
                "questions_count",
                _("{owner}: it needs 2 to 4 questions.").format(owner=owner),
                where,
            )
            data = data if isinstance(data, list) else []
        questions: list[Question] = []
        seen: set[str] = set()
        for index, item in enumerate(data):
            item = item if isinstance(item, Mapping) else {}
            question_owner = _("{owner}, question {number}").format(owner=owner, number=index + 1)
            question_id = self.identifier(item.get("id"), f"{where}[{index}].id", question_owner)
            if question_id in seen:
                self.problem(
                    "question_duplicate",
                    _("{owner}: two questions have the id “{id}”.").format(owner=owner, id=question_id),
                    f"{where}[{index}].id",
                )
            seen.add(question_id)
            text = self.text(item.get("text"), f"{where}[{index}].text", question_owner, "text")
            questions.append(Question(question_id, f"{element_id}.{question_id}", text))
        return questions


def _missing_text(what: str, language: str) -> str:
    messages = {
        ("title", "fr"): _("{owner}: the title in French is missing."),
        ("title", "en"): _("{owner}: the title in English is missing."),
        ("description", "fr"): _("{owner}: the description in French is missing."),
        ("description", "en"): _("{owner}: the description in English is missing."),
        ("name", "fr"): _("{owner}: the name in French is missing."),
        ("name", "en"): _("{owner}: the name in English is missing."),
        ("text", "fr"): _("{owner}: the text in French is missing."),
        ("text", "en"): _("{owner}: the text in English is missing."),
    }
    return messages[(what, language)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


#: A minimal valid framework document, for examples and tests.
EXAMPLE: dict[str, Any] = {
    "format": FORMAT,
    "id": "example",
    "version": "1",
    "valid_from": "2026-01-01",
    "title": {"fr": "Exemple", "en": "Example"},
    "about": {"fr": "Un cadre d'exemple.", "en": "An example framework."},
    "sources": [{"id": "pic-2021", "citation": "Projet impact collectif (2021)."}],
    "levels": [
        {
            "id": "organisation",
            "name": {"fr": "L'organisation", "en": "The organisation"},
            "description": {"fr": "Ce qui porte l'initiative.", "en": "What carries the initiative."},
            "elements": [
                {
                    "id": "gouvernance",
                    "name": {"fr": "Gouvernance", "en": "Governance"},
                    "description": {"fr": "Des décisions claires.", "en": "Clear decisions."},
                    "importance": 2,
                    "support_types": ["accompagnement"],
                    "sources": ["pic-2021"],
                    "questions": [
                        {"id": "q1", "text": {"fr": "Notre CA se réunit.", "en": "Our board meets."}},
                        {"id": "q2", "text": {"fr": "Les rôles sont clairs.", "en": "Roles are clear."}},
                    ],
                }
            ],
        }
    ],
}
