"""Search lookups on normalised documents: ``words`` (text) and ``facets`` (filters).

The ``words`` lookup: every query word begins a word of a normalised search document.

``Model.objects.filter(search_text__words=["econ", "sociale"])`` is written

- on PostgreSQL as a full-text match, ``to_tsvector('simple', search_text) @@ 'econ:* & sociale:*'``,
  which the GIN expression index of migration ``directory.0002`` serves;
- elsewhere (SQLite) as ``search_text LIKE '% econ%' AND search_text LIKE '% sociale%'``.

Both give the same answer because search documents hold normalised words between single spaces
(``maillage.core.text.search_document``) and query words are normalised the same way
(``search_tokens``): letters and digits only, so they need no escaping.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Lookup, TextField


@TextField.register_lookup
class Words(Lookup):  # type: ignore[type-arg]
    lookup_name = "words"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        return ("%s", list(value))

    def _tokens(self) -> list[str]:
        tokens = [str(t) for t in self.rhs]
        if not tokens or not all(t.isalnum() for t in tokens):
            raise ValueError("The words lookup takes normalised words (letters and digits).")
        return tokens

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        tokens = self._tokens()
        clauses = " AND ".join(f"{lhs} LIKE %s" for _ in tokens)
        params: list[Any] = []
        for token in tokens:
            params += [*lhs_params, f"% {token}%"]
        return f"({clauses})", params

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        query = " & ".join(f"{token}:*" for token in self._tokens())
        return (
            f"to_tsvector('simple'::regconfig, {lhs}) @@ to_tsquery('simple'::regconfig, %s)",
            [*lhs_params, query],
        )


@TextField.register_lookup
class Facets(Lookup):  # type: ignore[type-arg]
    """Filter tokens: ``facets__facets=[["t65", "t18"], ["s3"]]`` is (t65 or t18) and s3, tokens matched whole.

    PostgreSQL: ``to_tsvector('simple', facets) @@ '(t65 | t18) & s3'`` (GIN index); elsewhere LIKEs on
    `` t65 `` with the spaces around it.
    """

    lookup_name = "facets"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        return ("%s", list(value))

    def _groups(self) -> list[list[str]]:
        groups = [[str(t) for t in group] for group in self.rhs]
        if not groups or not all(group and all(t.isalnum() for t in group) for group in groups):
            raise ValueError("The facets lookup takes non-empty groups of tokens (letters and digits).")
        return groups

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        clauses, params = [], []
        for group in self._groups():
            clauses.append("(" + " OR ".join(f"{lhs} LIKE %s" for _ in group) + ")")
            for token in group:
                params += [*lhs_params, f"% {token} %"]
        return "(" + " AND ".join(clauses) + ")", params

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        query = " & ".join("(" + " | ".join(group) + ")" for group in self._groups())
        return (
            f"to_tsvector('simple'::regconfig, {lhs}) @@ to_tsquery('simple'::regconfig, %s)",
            [*lhs_params, query],
        )
