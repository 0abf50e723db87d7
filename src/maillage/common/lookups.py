"""The ``words`` lookup: every query word begins a word of a normalised search document.

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
