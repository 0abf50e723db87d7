"""Text normalisation for search and sorting, identical on SQLite and PostgreSQL.

Search must ignore case and accents (« economie sociale » finds « Économie sociale »).
Rather than depend on database extensions that SQLite lacks, Maillage stores beside each
searchable record a normalised copy of its text (:func:`normalize`) and matches the
normalised tokens of the query (:func:`search_tokens`) against it. On PostgreSQL a trigram
index makes those substring matches fast.

>>> normalize("  L'Économie SOCIALE — à Côte-des-Neiges ")
"l'economie sociale - a cote-des-neiges"
>>> search_tokens("Économie   sociale de l'île")
['economie', 'sociale', 'ile']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["MIN_TOKEN_LENGTH", "normalize", "search_document", "search_tokens", "sort_key"]

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
    """The normalised text stored beside a record, from its searchable fields."""
    return " | ".join(normalize(part) for part in parts if part)


def sort_key(text: str) -> str:
    """A key that sorts names alphabetically regardless of accents and case."""
    return normalize(text)[:200]
