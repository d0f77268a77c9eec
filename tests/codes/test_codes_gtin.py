"""GTIN check digits: published examples, Russian (GS1 Russia 460-469) codes, bad input."""
import pytest
from hypothesis import given, strategies as st

from retail.codes import (
    CodeError,
    check_digit,
    is_valid_gtin,
    make_ean13,
    normalize_gtin,
    validate_gtin,
    with_check_digit,
)

VALID = [
    "4006381333931",  # EAN-13 example printed in most references
    "4601234567893",  # GS1 Russia prefix 460
    "4607001771234",
    "5901234123457",  # GS1 Poland sample from the GS1 General Specifications
    "9780306406157",  # ISBN-13 (Bookland EAN)
    "036000291452",  # UPC-A
    "96385074",  # EAN-8
    "10012345678902",  # GTIN-14 with packaging indicator 1
    "00012345600012",  # GTIN-14 padded UPC-A
]

INVALID = [
    ("4601234567890", "ends in 0 but the digits before it need 3"),
    ("4600702080016", "need 8"),
    ("036000291453", "UPC-A 036000291453 fails its check digit"),
    ("96385075", "EAN-8"),
    ("460123456789", "fails its check digit"),  # 12 digits read as UPC-A
    ("46012345678", "has 11 digits"),
    ("460123456789312", "has 15 digits"),
    ("46012345678a3", "only digits 0-9, found 'a'"),
    ("4601 34567893", "found ' '"),
    ("４６０１２３４５６７８９３", "only digits"),  # full-width digits
    ("460123456789²", "only digits"),
    ("", "empty"),
    ("   ", "empty"),
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert is_valid_gtin(code)
    assert validate_gtin(code) == code
    assert check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize("code,reason", INVALID)
def test_invalid_codes_explain_why(code, reason):
    assert not is_valid_gtin(code)
    with pytest.raises(CodeError, match=reason):
        validate_gtin(code)


def test_validate_strips_whitespace_but_is_valid_does_not_guess():
    assert validate_gtin(" 4601234567893\n") == "4601234567893"
    assert not is_valid_gtin(" 4601234567893")


@pytest.mark.parametrize("value", [None, 4601234567893, b"4601234567893"])
def test_non_text_is_refused(value):
    assert not is_valid_gtin(value)
    with pytest.raises(CodeError, match="must be text"):
        validate_gtin(value)


@pytest.mark.parametrize(
    "code,expected",
    [
        ("4601234567893", "04601234567893"),
        ("036000291452", "00036000291452"),
        ("96385074", "00000096385074"),
        ("10012345678902", "10012345678902"),
    ],
)
def test_normalize_to_gtin14(code, expected):
    assert normalize_gtin(code) == expected
    assert is_valid_gtin(expected)


def test_normalize_refuses_bad_codes():
    with pytest.raises(CodeError, match="check digit"):
        normalize_gtin("4601234567890")


def test_make_ean13():
    assert make_ean13("460123456789") == "4601234567893"
    with pytest.raises(CodeError, match="needs 12"):
        make_ean13("46012345678")
    with pytest.raises(CodeError, match="only digits"):
        make_ean13("46012345678x")


def test_with_check_digit_lengths():
    assert with_check_digit("9638507") == "96385074"
    with pytest.raises(CodeError, match="has 9 digits"):
        with_check_digit("123456789")


def test_check_digit_refuses_empty_and_letters():
    with pytest.raises(CodeError, match="empty"):
        check_digit("")
    with pytest.raises(CodeError, match="only digits"):
        check_digit("12a")


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_made_codes_validate_and_normalize(body):
    code = with_check_digit(body)
    assert is_valid_gtin(code)
    assert normalize_gtin(code).lstrip("0") == code.lstrip("0")
    assert is_valid_gtin(normalize_gtin(code))


@given(
    st.text("0123456789", min_size=12, max_size=12),
    st.integers(0, 12),
    st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(body, pos, delta):
    code = make_ean13(body)
    wrong = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1:]
    assert not is_valid_gtin(wrong)


@given(st.text("0123456789", min_size=12, max_size=12), st.integers(0, 11))
def test_adjacent_transpositions_mostly_caught(body, pos):
    code = make_ean13(body)
    a, b = code[pos], code[pos + 1]
    swapped = code[:pos] + b + a + code[pos + 2:]
    # mod-10 with weights 1/3 misses a transposition only when the digits differ by 5
    if a != b and abs(int(a) - int(b)) != 5:
        assert not is_valid_gtin(swapped)


@given(st.text())
def test_is_valid_never_raises(text):
    assert is_valid_gtin(text) in (True, False)
