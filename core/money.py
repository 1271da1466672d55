"""Money: integer minor units with an ISO 4217 currency; never floats.

The one place amounts are formatted and parsed, by locale and by the currency's precision, on
Babel's CLDR data: ``format_money(450000, "EUR", "de_DE")`` is ``4.500,00 €``,
``format_money(45000, "JPY", "en_US")`` is ``¥45,000`` (yen have no minor unit, so nothing is
divided by 100), ``parse_amount("4.500,00", "EUR", "de_DE")`` is ``450000`` and the same text in
``en_US`` is refused with an example of how that locale writes it. Nothing here guesses.

Pure: no Flask; a locale is passed in as a string (``en_US``, ``de-DE``, ``de``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

# ISO 4217 codes we accept, with their minor-unit exponent (the API's integer amounts count
# these units: JPY/KRW/VND have none, KWD/BHD/JOD/OMR/TND have three). The exponent is ISO's,
# which is what payment providers use; CLDR agrees for all but IDR (see ``format_money``).
CURRENCIES: dict[str, int] = {
    "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2,
    "GBP": 2, "HKD": 2, "IDR": 2, "INR": 2, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2,
    "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2,
    "TND": 3, "TWD": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

# Largest amount we accept in minor units: fits a signed 64-bit column with room for sums.
MAX_AMOUNT = 10**15

DEFAULT_LOCALE = "en_US"
# Locales the dashboard writes and reads amounts in (a browser's Accept-Language is matched
# against these; a language alone, e.g. ``de``, picks the first of its locales here).
SUPPORTED_LOCALES: tuple[str, ...] = (
    "en_US", "en_GB", "de_DE", "de_AT", "de_CH", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR",
    "pl_PL", "sv_SE", "ja_JP", "ko_KR", "zh_CN", "zh_TW",
)  # fmt: skip

# The amount shown in "write it like ..." examples, in major units.
_EXAMPLE_MAJOR = {0: Decimal(450_000), 2: Decimal("4500.00"), 3: Decimal("4500.000")}


class AmountError(ValueError):
    """Text that is not an amount of the currency as the locale writes it; ``str()`` is a
    message for the person who typed it, with an example of the expected form."""


def exponent(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    return CURRENCIES[currency]


def to_major(minor: int, currency: str) -> Decimal:
    """``450000`` EUR → ``Decimal("4500.00")``; ``45000`` JPY → ``Decimal("45000")``."""
    exp = CURRENCIES[currency]
    return Decimal(int(minor)).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def major_unit(currency: str) -> int:
    """Minor units in one major unit: 100 for EUR, 1 for JPY, 1000 for KWD."""
    return int(10 ** CURRENCIES[currency])


def per_major_unit(quantity: float, minor: int, currency: str | None) -> float:
    """``quantity`` per one major unit of money (per 1 EUR, per 1 JPY) paid ``minor``."""
    scale = float(10 ** CURRENCIES.get(currency or "", 2))
    return float(quantity) / max(minor / scale, 1e-9)


@lru_cache(maxsize=64)
def normalize_locale(locale: str | None) -> str:
    """A Babel locale identifier for ``locale`` (``de-DE`` → ``de_DE``); the default when it
    is missing or unknown."""
    if not locale:
        return DEFAULT_LOCALE
    try:
        return str(Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE


def negotiate_locale(preferred: list[str] | tuple[str, ...]) -> str:
    """The supported locale that best matches ``preferred`` (best first, as a browser's
    Accept-Language lists them): exact region first, then the language alone."""
    for tag in preferred:
        wanted = tag.replace("-", "_").strip()
        if not wanted or wanted == "*":
            continue
        for supported in SUPPORTED_LOCALES:
            if supported.lower() == wanted.lower():
                return supported
        language = wanted.split("_")[0].lower()
        for supported in SUPPORTED_LOCALES:
            if supported.split("_")[0] == language:
                return supported
    return DEFAULT_LOCALE


def locale_name(locale: str) -> str:
    """The locale's name in English, the dashboard's language (``German (Germany)``)."""
    return Locale.parse(normalize_locale(locale)).get_display_name("en") or locale


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """An amount as people of ``locale`` write it, to the currency's precision:
    ``€4,500.00`` (en_US), ``4.500,00 €`` (de_DE), ``¥45,000``, ``KWD 1,234.500``."""
    loc = normalize_locale(locale)
    exp = CURRENCIES[currency]
    value = to_major(minor, currency)
    # CLDR's precision is the display one; where it differs from ISO's (IDR: 0 against 2), the
    # amount is shown with its own decimals rather than rounded.
    digits = get_currency_precision(currency) == exp
    return _spaced(format_currency(value, currency, locale=loc, currency_digits=digits))


def _spaced(text: str) -> str:
    """A no-break space between an ISO code used as the symbol and the digits (CLDR's
    currency spacing, which Babel leaves out): ``KWD 1,234.500``, not ``KWD1,234.500``."""
    text = re.sub(r"([A-Z]{3})(?=[\d-])", "\\1\xa0", text)
    return re.sub(r"(?<=\d)([A-Z]{3})", "\xa0\\1", text)


def format_major(value: float | Decimal, currency: str, locale: str | None = None) -> str:
    """An amount already in major units that may be a fraction of the minor unit (a cost per
    person, say): 3 decimals under 1, 2 under 10, the currency's precision above
    (``€0.012``, ``¥12``, ``€1,250.00``)."""
    loc = Locale.parse(normalize_locale(locale))
    number = Decimal(str(value))
    exp = CURRENCIES.get(currency, 2)
    places = 3 if abs(number) < 1 else 2 if abs(number) < 10 else exp
    pattern = copy.copy(loc.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return _spaced(pattern.apply(number, loc, currency=currency, currency_digits=False))


def format_number(value: float | int | Decimal, locale: str | None = None, digits: int = 0) -> str:
    """A plain number as ``locale`` writes it (``21,971`` / ``21.971``)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=normalize_locale(locale))


def amount_input(minor: int, currency: str, locale: str | None = None) -> str:
    """An amount as a form shows it for editing (no symbol): ``4.500,00`` in de_DE."""
    exp = CURRENCIES[currency]
    pattern = "#,##0" + ("." + "0" * exp if exp else "")
    return format_decimal(
        to_major(minor, currency), format=pattern, locale=normalize_locale(locale)
    )


def amount_example(currency: str, locale: str | None = None) -> str:
    """How ``locale`` writes a typical amount of ``currency``, for help texts and errors
    (``4,500.00`` en_US, ``4.500,00`` de_DE, ``450,000`` JPY)."""
    exp = CURRENCIES.get(currency, 2)
    value = _EXAMPLE_MAJOR.get(exp, Decimal(4500))
    pattern = "#,##0" + ("." + "0" * exp if exp else "")
    return format_decimal(value, format=pattern, locale=normalize_locale(locale))


def _strip_currency(text: str, currency: str, loc: str) -> str:
    for mark in (get_currency_symbol(currency, locale=loc), currency, currency.lower()):
        text = text.replace(mark, "")
    return text.strip()


def parse_amount(text: str, currency: str, locale: str | None = None) -> int:
    """What someone of ``locale`` typed as an amount of ``currency``, in minor units.

    ``"4.500,00"`` EUR in de_DE is 450000; in en_US it is refused, as is anything with more
    decimals than the currency has (``"4.500"`` EUR in en_US: 4.5 or 4,500?), a negative or a
    zero amount. Raises :class:`AmountError` with an example of the expected form.
    """
    if currency not in CURRENCIES:
        raise AmountError(f"Choose one of the currencies offered, not {currency!r}.")
    loc = normalize_locale(locale)
    exp = CURRENCIES[currency]
    example = amount_example(currency, loc)
    where = locale_name(loc)
    raw = (text or "").strip()
    if not raw:
        raise AmountError(f"Enter an amount, written like {example}.")
    cleaned = _strip_currency(raw, currency, loc)
    group = get_group_symbol(loc)
    # fr_FR, sv_SE, pl_PL group with a (narrow) no-break space; people type a plain one
    cleaned = re.sub(r"\s", group if group.isspace() else "", cleaned)
    if group in ("'", "’"):  # de_CH: either apostrophe
        cleaned = cleaned.replace("’", group).replace("'", group)
    decimal = get_decimal_symbol(loc)
    refused = AmountError(
        f"“{raw}” is not an amount as written in {where}: write it like {example}."
    )
    if any(not (ch.isdigit() or ch in (group, decimal, "-")) for ch in cleaned):
        raise refused  # letters, exponents ("1e5"), another locale's separators
    try:
        value = parse_decimal(cleaned, locale=loc, strict=True)
    except NumberFormatError:
        raise refused from None
    if not value.is_finite():
        raise AmountError(f"Enter an amount, written like {example}.")
    fraction = cleaned.rsplit(decimal, 1)[1] if decimal in cleaned else ""
    if len(fraction) > exp:
        places = f"{exp} decimal places" if exp else "no decimals"
        raise AmountError(
            f"“{raw}” has more decimals than {currency} amounts ({places}); as written in "
            f"{where}, an amount looks like {example}."
        )
    if value <= 0:
        raise AmountError(f"Enter an amount above zero, written like {example}.")
    minor = int(value.scaleb(exp))
    if minor > MAX_AMOUNT:
        raise AmountError(f"That is more than we can hold; enter an amount like {example}.")
    return minor


@dataclass(frozen=True)
class Money:
    """An amount in minor units of ``currency``."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("money amounts are integers in minor units")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")

    def decimal(self) -> str:
        """Plain decimal in the currency's precision, no grouping: ``1250.00``, ``-3``, ``1500``
        (for CSV and machines; made from the integer, never through a float)."""
        exp = CURRENCIES[self.currency]
        sign = "-" if self.amount < 0 else ""
        if exp == 0:
            return f"{sign}{abs(self.amount)}"
        major, minor = divmod(abs(self.amount), 10**exp)
        return f"{sign}{major}.{minor:0{exp}d}"

    def format(self, locale: str | None = None) -> str:
        """Human form by locale, e.g. ``€1,250.00`` (en_US) or ``1.250,00 €`` (de_DE)."""
        return format_money(self.amount, self.currency, locale)

    @property
    def major(self) -> Decimal:
        return to_major(self.amount, self.currency)


def fee_on(amount: int, fee_bps: int) -> int:
    """Platform fee in minor units for ``amount`` at ``fee_bps`` basis points, rounded half up."""
    return (amount * fee_bps + 5_000) // 10_000
