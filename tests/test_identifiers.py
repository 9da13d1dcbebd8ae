"""Property tests of the identifier types: HSA-id, organisation number, version, program slug."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.se import orgnr

from sobctl.model.ids import HSA_MAX_LENGTH, Version, luhn_ok, parse_hsa_id, parse_orgnr, parse_slug

DIGITS = "0123456789"
LOCAL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@st.composite
def org_numbers(draw: st.DrawFn) -> str:
    """Ten digits whose last is the Luhn check digit of the first nine."""
    body = draw(st.text(alphabet=DIGITS, min_size=9, max_size=9))
    return body + luhn.calc_check_digit(body)


@st.composite
def hsa_ids(draw: st.DrawFn, room: int = 0) -> str:
    """Valid HSA-ids, leaving ``room`` characters below the maximum length."""
    prefix = "SE" + draw(st.sampled_from(["", "16"])) + draw(org_numbers()) + "-"
    local = draw(st.text(alphabet=LOCAL_CHARS, min_size=1, max_size=HSA_MAX_LENGTH - len(prefix) - room))
    return prefix + local


# --- HSA-id ---------------------------------------------------------------------------------------


@given(hsa_ids())
@example("SE2321000016-A2G8")
@example("SE162321000255-O10951")
def test_valid_hsa_ids_parse(value: str) -> None:
    assert parse_hsa_id(value) == value


@given(hsa_ids(), st.data())
def test_changing_one_digit_of_the_org_number_is_refused(value: str, data: st.DataObject) -> None:
    start = 4 if value.index("-") == 14 else 2  # "SE16" + ten digits, or an org number that starts with 16
    position = data.draw(st.integers(min_value=start, max_value=start + 9))
    digit = data.draw(st.sampled_from([d for d in DIGITS if d != value[position]]))
    changed = value[:position] + digit + value[position + 1 :]
    with pytest.raises(ValueError, match="Luhn"):
        parse_hsa_id(changed)


@given(hsa_ids(), st.data())
def test_longer_than_31_is_refused(value: str, data: st.DataObject) -> None:
    more = data.draw(st.text(alphabet=LOCAL_CHARS, min_size=HSA_MAX_LENGTH + 1 - len(value), max_size=40))
    longer = value + more
    with pytest.raises(ValueError, match="longer than 31"):
        parse_hsa_id(longer)


@given(hsa_ids(room=1), st.characters(exclude_characters=LOCAL_CHARS), st.data())
@example("SE2321000016-A2G8", "\n", None)
def test_bad_characters_in_the_local_part_are_refused(value: str, bad: str, data: st.DataObject | None) -> None:
    cut = value.index("-") + 1
    position = data.draw(st.integers(min_value=cut, max_value=len(value))) if data else len(value)
    broken = value[:position] + bad + value[position:]
    assert len(broken) <= HSA_MAX_LENGTH  # refused for the character, not the length
    with pytest.raises(ValueError):
        parse_hsa_id(broken)


@given(st.text(max_size=40))
@example("SE５５６６７７８８９９-A")  # fullwidth digits pass int() and \d, not an HSA-id
@example("SE2321000016-P001\n")
@example("se2321000016-P001")
@example("SE2321000016P001")
def test_any_text_parses_only_when_it_is_an_hsa_id(value: str) -> None:
    shaped = re.fullmatch(r"SE(?:16)?([0-9]{10})-[A-Za-z0-9]+", value)
    valid = bool(shaped) and len(value) <= HSA_MAX_LENGTH and orgnr.is_valid(shaped.group(1)) if shaped else False
    if valid:
        assert parse_hsa_id(value) == value
    else:
        with pytest.raises(ValueError):
            parse_hsa_id(value)


@pytest.mark.parametrize("value", [None, 2321000016, ["SE2321000016-A"], b"SE2321000016-A"])
def test_hsa_id_must_be_text(value: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        parse_hsa_id(value)


# --- organisation numbers ---------------------------------------------------------------------------


@given(st.text(alphabet=DIGITS, min_size=10, max_size=10))
def test_luhn_agrees_with_stdnum(digits: str) -> None:
    assert luhn_ok(digits) == luhn.is_valid(digits)


@given(st.text(alphabet=DIGITS + "- ", max_size=14))
@example("232100-0016")
@example("556677-8899")
@example("5566778899")
def test_org_numbers_agree_with_stdnum(value: str) -> None:
    if orgnr.is_valid(value):
        assert parse_orgnr(value) == orgnr.compact(value)
    else:
        with pytest.raises(ValueError):
            parse_orgnr(value)


@given(org_numbers())
def test_org_numbers_with_and_without_hyphen(digits: str) -> None:
    assert parse_orgnr(digits) == parse_orgnr(f"{digits[:6]}-{digits[6:]}") == digits


@given(st.text(max_size=14))
@example("５５６６７７８８９９")
def test_only_ascii_digits_make_an_org_number(value: str) -> None:
    compact = value.replace("-", "").replace(" ", "")
    if re.fullmatch(r"[0-9]{10}", compact) and orgnr.is_valid(compact):
        assert parse_orgnr(value) == compact
    else:
        with pytest.raises(ValueError):
            parse_orgnr(value)


@pytest.mark.parametrize("value", [5566778899, 556677.8899, None])
def test_org_number_must_be_quoted(value: object) -> None:
    with pytest.raises(ValueError, match="quoted"):
        parse_orgnr(value)


# --- versions -------------------------------------------------------------------------------------

PARTS = st.integers(min_value=0, max_value=9999)


@given(PARTS, PARTS)
def test_version_round_trip(major: int, minor: int) -> None:
    text = f"{major}.{minor}"
    version = Version.parse(text)
    assert (version.major, version.minor) == (major, minor)
    assert str(version) == text
    assert Version.parse(str(version)) == version
    assert hash(Version.parse(text)) == hash(version)


@given(PARTS, PARTS, PARTS, PARTS)
def test_version_order_is_numeric(a: int, b: int, c: int, d: int) -> None:
    left, right = Version.parse(f"{a}.{b}"), Version.parse(f"{c}.{d}")
    assert (left < right) == ((a, b) < (c, d))
    assert (left == right) == ((a, b) == (c, d))
    assert (left > right) == ((a, b) > (c, d))


def test_one_point_ten_is_after_one_point_nine() -> None:
    assert Version.parse("1.10") > Version.parse("1.9")
    assert sorted(Version.parse(v) for v in ["1.10", "2.0", "1.9", "1.0"]) == [
        Version.parse(v) for v in ["1.0", "1.9", "1.10", "2.0"]
    ]


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_numbers_are_refused_with_a_hint_to_quote(value: float) -> None:
    with pytest.raises(ValueError, match="must be quoted"):
        Version.parse(value)


@given(st.text(max_size=12))
@example("01.2")
@example("1.02")
@example("1.0\n")
@example("１.０")
@example("1")
@example("1.2.3")
@example("10000.0")
def test_only_major_dot_minor_text_parses(value: str) -> None:
    if re.fullmatch(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})", value):
        assert str(Version.parse(value)) == value
    else:
        with pytest.raises(ValueError):
            Version.parse(value)


@given(PARTS, PARTS)
def test_bumps(major: int, minor: int) -> None:
    version = Version(major, minor)
    assert version.bump(major=False) == Version(major, minor + 1) > version
    assert version.bump(major=True) == Version(major + 1, 0) > version.bump(major=False)


def test_booleans_are_not_versions() -> None:
    with pytest.raises(ValueError):
        Version.parse(True)


# --- program slugs --------------------------------------------------------------------------------

WORDS = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10), min_size=1,
                 max_size=6)


@given(WORDS)
def test_slugs_of_words_joined_by_hyphens_parse(words: list[str]) -> None:
    slug = "-".join(words)
    assume(len(slug) <= 64)
    assert parse_slug(slug) == slug


@given(st.text(max_size=70))
@example("KBT-depression")
@example("kbt--depression")
@example("-kbt")
@example("kbt-")
@example("kbt depression")
@example("ångest")
@example("kbt\n")
@example("a" * 65)
def test_only_slugs_parse(value: str) -> None:
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value) and len(value) <= 64:
        assert parse_slug(value) == value
    else:
        with pytest.raises(ValueError, match="not a program id"):
            parse_slug(value)
