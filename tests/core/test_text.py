import pytest

from maillage.core.text import normalize, search_document, search_tokens, sort_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Économie sociale", "economie sociale"),
        ("ÉCONOMIE   SOCIALE", "economie sociale"),
        ("Côte-des-Neiges–Notre-Dame-de-Grâce", "cote-des-neiges-notre-dame-de-grace"),
        ("L’Île-Bizard", "l'ile-bizard"),
        ("Cœur du quartier", "coeur du quartier"),
        ("  espaces\tet\nlignes ", "espaces et lignes"),
        ("ﬁnancement", "financement"),
    ],
)
def test_normalize_ignores_case_accents_and_typography(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("query", "tokens"),
    [
        ("economie sociale", ["economie", "sociale"]),
        ("Économie de l'île", ["economie", "ile"]),
        ("a b c", []),
        ("Saint-Michel saint michel", ["saint", "michel"]),
        ("", []),
        ("«  aide  » !", ["aide"]),
    ],
)
def test_search_tokens(query, tokens):
    assert search_tokens(query) == tokens


def test_every_query_token_is_found_in_the_document_of_the_same_words():
    document = search_document(["Coopérative d'économie sociale", None, "Saint-Léonard"])
    assert all(token in document for token in search_tokens("ECONOMIE sociale saint-leonard"))


def test_sort_key_orders_accented_names_alphabetically():
    names = ["Zèbre", "École", "Abri", "éveil"]
    assert sorted(names, key=sort_key) == ["Abri", "École", "éveil", "Zèbre"]
