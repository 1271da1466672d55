"""Money as people write it: formatting and parsing by locale and currency precision (Babel).

Pure tests of ``core.money``; the dashboard's budget field has its own tests through the real
form (tests/test_dashboard_money.py) and in a browser (tests/e2e/test_money_e2e.py).
"""

from __future__ import annotations

import pytest
from babel.numbers import get_currency_precision

from core.money import (
    CURRENCIES,
    AmountError,
    Money,
    amount_example,
    amount_input,
    format_money,
    negotiate_locale,
    parse_amount,
    per_major_unit,
)

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (450_000, "EUR", "en_US", "€4,500.00"),
        (450_000, "EUR", "de_DE", f"4.500,00{NBSP}€"),
        (45_000, "JPY", "en_US", "¥45,000"),  # yen have no minor unit: not 450.00
        (45_000, "JPY", "de_DE", f"45.000{NBSP}¥"),
        (45_000, "KRW", "en_US", "₩45,000"),
        (45_000, "KRW", "de_DE", f"45.000{NBSP}₩"),
        (123_456, "CNY", "en_US", "CN¥1,234.56"),
        (123_456, "CNY", "de_DE", f"1.234,56{NBSP}CN¥"),
        (1_234_500, "KWD", "en_US", f"KWD{NBSP}1,234.500"),
        (1_234_500, "KWD", "de_DE", f"1.234,500{NBSP}KWD"),
        (1_000, "BHD", "en_US", f"BHD{NBSP}1.000"),
    ],
)
def test_format_by_locale_and_precision(minor, currency, locale, expected):
    assert format_money(minor, currency, locale) == expected
    assert Money(minor, currency).format(locale) == expected


def test_the_default_locale_and_unknown_locales():
    assert Money(125_000, "EUR").format() == "€1,250.00"
    assert format_money(125_000, "EUR", "xx_NOPE") == "€1,250.00"
    assert format_money(125_000, "EUR", "de-DE") == f"1.250,00{NBSP}€"


def test_our_exponents_are_iso_4217_and_agree_with_cldr_but_idr():
    assert CURRENCIES["JPY"] == CURRENCIES["KRW"] == 0
    assert CURRENCIES["KWD"] == CURRENCIES["BHD"] == 3
    differ = {c for c, exp in CURRENCIES.items() if get_currency_precision(c) != exp}
    assert differ == {"IDR"}  # ISO (and payment providers) 2, CLDR 0: shown with its cents
    assert format_money(1_234_567, "IDR", "en_US").endswith("12,345.67")


@pytest.mark.parametrize(
    ("text", "currency", "locale", "minor"),
    [
        ("4.500,00", "EUR", "de_DE", 450_000),
        ("4.500", "EUR", "de_DE", 450_000),
        ("4500,5", "EUR", "de_DE", 450_050),
        ("4.500,00 €", "EUR", "de_DE", 450_000),
        ("4,500.00", "EUR", "en_US", 450_000),
        ("€4,500", "EUR", "en_US", 450_000),
        ("4500", "EUR", "en_US", 450_000),
        ("45,000", "JPY", "en_US", 45_000),
        ("45.000", "JPY", "de_DE", 45_000),
        ("45,000", "KRW", "en_US", 45_000),
        ("45.000", "KRW", "de_DE", 45_000),
        ("1,234.56", "CNY", "en_US", 123_456),
        ("1.234,56", "CNY", "de_DE", 123_456),
        ("4.500", "KWD", "en_US", 4_500),  # four and a half dinars: KWD has 3 decimals
        ("4.500", "KWD", "de_DE", 4_500_000),
        ("1,234.500", "BHD", "en_US", 1_234_500),
        ("1.234,5", "BHD", "de_DE", 1_234_500),
        ("4 500,00", "EUR", "fr_FR", 450_000),  # a plain space where French groups with U+202F
    ],
)
def test_parse_as_the_locale_writes_it(text, currency, locale, minor):
    assert parse_amount(text, currency, locale) == minor


@pytest.mark.parametrize(
    ("text", "currency", "locale", "example"),
    [
        ("4.500,00", "EUR", "en_US", "4,500.00"),  # German writing in an English locale
        ("4,500.00", "EUR", "de_DE", "4.500,00"),
        ("4.500", "EUR", "en_US", "4,500.00"),  # 4.5 or 4,500? more decimals than EUR has
        ("45000.5", "JPY", "en_US", "450,000"),
        ("45.000,5", "KRW", "de_DE", "450.000"),
        ("12.3456", "KWD", "en_US", "4,500.000"),
        ("1,2,3", "CNY", "en_US", "4,500.00"),
        ("1e5", "EUR", "en_US", "4,500.00"),
        ("four thousand", "EUR", "en_US", "4,500.00"),
        ("0", "EUR", "de_DE", "4.500,00"),
        ("-5", "EUR", "en_US", "4,500.00"),
        ("", "JPY", "en_US", "450,000"),
    ],
)
def test_ambiguous_or_wrong_amounts_are_refused_with_an_example(text, currency, locale, example):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, currency, locale)
    assert example in str(refused.value)


def test_the_refusal_names_the_locale():
    with pytest.raises(AmountError, match=r"as written in English \(United States\)"):
        parse_amount("4.500,00", "EUR", "en_US")
    with pytest.raises(AmountError, match=r"as written in German \(Germany\)"):
        parse_amount("4,500.00", "EUR", "de_DE")


def test_examples_and_edit_values_round_trip():
    for currency in ("EUR", "JPY", "KRW", "CNY", "KWD"):
        for locale in ("en_US", "de_DE", "fr_FR", "ja_JP"):
            assert parse_amount(amount_example(currency, locale), currency, locale) > 0
            shown = amount_input(1_234_567, currency, locale)
            assert parse_amount(shown, currency, locale) == 1_234_567


def test_per_unit_of_money_uses_the_precision():
    assert per_major_unit(4_500, 450_000, "EUR") == pytest.approx(1.0)  # 4,500 people, 4,500 €
    assert per_major_unit(4_500, 4_500, "JPY") == pytest.approx(1.0)  # 4,500 people, ¥4,500
    assert per_major_unit(4_500, 4_500_000, "KWD") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (["de-DE", "en"], "de_DE"),
        (["de"], "de_DE"),
        (["fr-CA", "en"], "fr_FR"),
        (["en-US"], "en_US"),
        (["xx", "*"], "en_US"),
        ([], "en_US"),
    ],
)
def test_negotiate_a_browser_locale(header, locale):
    assert negotiate_locale(header) == locale
