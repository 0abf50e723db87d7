import pytest

from maillage.core.errors import MaillageError
from maillage.core.identifiers import normalize_cra_charity_number, normalize_neq, org_id_for_cra


@pytest.mark.parametrize(
    ("raw", "canonical"), [("1143456789", "1143456789"), ("114 345 6789", "1143456789"), ("1143-456-789", "1143456789")]
)
def test_valid_neq(raw, canonical):
    assert normalize_neq(raw) == canonical


@pytest.mark.parametrize("raw", ["123", "11434567890", "11434567AB", ""])
def test_invalid_neq_names_the_field(raw):
    with pytest.raises(MaillageError) as info:
        normalize_neq(raw)
    assert info.value.code == "neq_invalid"
    assert info.value.problems[0].field == "neq"


@pytest.mark.parametrize(
    ("raw", "canonical"), [("123456782RR0001", "123456782RR0001"), ("12345 6782 rr 0001", "123456782RR0001")]
)
def test_valid_charity_number(raw, canonical):
    assert normalize_cra_charity_number(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("123456783RR0001", "cra_charity_number_checksum"),
        ("123456782RC0001", "cra_charity_number_invalid"),
        ("12345678RR0001", "cra_charity_number_invalid"),
    ],
)
def test_invalid_charity_number(raw, code):
    with pytest.raises(MaillageError) as info:
        normalize_cra_charity_number(raw)
    assert info.value.code == code


def test_360giving_org_id():
    assert org_id_for_cra("123456782RR0001") == "CA-CRA_ACR-123456782RR0001"
