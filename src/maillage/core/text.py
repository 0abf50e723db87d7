"""Text normalisation for search and sorting, identical on SQLite and PostgreSQL.

Search must ignore case and accents (« economie sociale » finds « Économie sociale »), the
same way on SQLite and PostgreSQL. Maillage stores beside each searchable record the set of
its normalised words (:func:`search_document`) and matches each word of the query
(:func:`search_tokens`) as the beginning of one of them: « econ » finds « Économie ». On
PostgreSQL a full-text GIN index serves this; SQLite scans.

>>> normalize("  L'Économie SOCIALE — à Côte-des-Neiges ")
"l'economie sociale - a cote-des-neiges"
>>> search_tokens("Économie   sociale de l'île")
['economie', 'sociale', 'ile']
>>> search_document(["Économie sociale", "Côte-des-Neiges", "économie"])
' economie sociale cote neiges '
>>> matches(search_document(["Coopérative d'économie sociale"]), search_tokens("ECON coop"))
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "MIN_TOKEN_LENGTH",
    "facet_document",
    "french_spaces",
    "matches",
    "normalize",
    "search_document",
    "search_tokens",
    "sort_key",
]

#: Query words shorter than this are ignored: they match nearly everything and no index helps.
MIN_TOKEN_LENGTH = 2

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = dict.fromkeys(map(ord, "‘’ʼ`´"), "'")
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# French and English function words that carry no meaning in a directory search.
_STOPWORDS = frozenset(
    [
        "de",
        "des",
        "du",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "un",
        "une",
        "au",
        "aux",
        "en",
        "a",
        "the",
        "of",
        "and",
        "for",
        "in",
        "on",
        "to",
    ]
)


def normalize(text: str) -> str:
    """Lower-case, strip accents, unify dashes, quotes and spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_DASHES).translate(_QUOTES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Ligatures that NFKD leaves alone.
    stripped = stripped.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_tokens(query: str) -> list[str]:
    """The distinct words of a query worth matching, in order, normalised."""
    seen: dict[str, None] = {}
    for word in _WORDS.findall(normalize(query)):
        if len(word) >= MIN_TOKEN_LENGTH and word not in _STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def search_document(parts: Iterable[str | None]) -> str:
    """The words stored beside a record: normalised, distinct, in order, between single spaces.

    The leading and trailing spaces let a plain ``LIKE '% word%'`` find a word's beginning.
    """
    words: dict[str, None] = {}
    for part in parts:
        if part:
            for word in _WORDS.findall(normalize(part)):
                if len(word) >= MIN_TOKEN_LENGTH and word not in _STOPWORDS:
                    words.setdefault(word, None)
    return f" {' '.join(words)} " if words else ""


def matches(document: str, tokens: Iterable[str]) -> bool:
    """Whether every token begins a word of the document: the rule the database applies."""
    return all(f" {token}" in document for token in tokens)


def facet_document(facets: Iterable[tuple[str, int]]) -> str:
    """The filter tokens stored beside a record: ``[("t", 65), ("s", 3)]`` → ``" s3 t65 "``.

    Each token is a one-letter facet and a number (an identifier), matched whole, never as a prefix.

    >>> facet_document([("t", 65), ("s", 3), ("t", 65)])
    ' s3 t65 '
    """
    tokens = sorted({f"{facet}{value}" for facet, value in facets})
    return f" {' '.join(tokens)} " if tokens else ""


def sort_key(text: str) -> str:
    """A key that sorts names alphabetically regardless of accents and case."""
    return normalize(text)[:200]


def french_spaces(text: str) -> str:
    """French typography: a non-breaking space before « : ; ? ! » and inside « ».

    >>> french_spaces("Votre demande « Coaching » : acceptée !").count(chr(0xA0))
    4
    """
    for mark in (":", ";", "?", "!"):
        text = text.replace(f" {mark}", f"\u00a0{mark}")
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def formula_safe(text: str) -> str:
    """A text for a CSV cell that a spreadsheet will not run as a formula (a leading ' where it would).

    >>> formula_safe("=SUM(A1)"), formula_safe("Bonjour")
    ("'=SUM(A1)", 'Bonjour')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
