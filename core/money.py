"""Money: integer minor units with an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass

# ISO 4217 codes we accept, with their minor-unit exponent (JPY/KRW have none).
CURRENCIES: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2,
    "GBP": 2, "HKD": 2, "IDR": 2, "INR": 2, "JPY": 0, "KRW": 0, "MXN": 2, "MYR": 2,
    "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 2,
    "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

# Largest amount we accept in minor units: fits a signed 64-bit column with room for sums.
MAX_AMOUNT = 10**15


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

    def format(self) -> str:
        """Human form, e.g. ``1,250.00 EUR``."""
        exp = CURRENCIES[self.currency]
        if exp == 0:
            return f"{self.amount:,} {self.currency}"
        major, minor = divmod(abs(self.amount), 10**exp)
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{major:,}.{minor:0{exp}d} {self.currency}"


def fee_on(amount: int, fee_bps: int) -> int:
    """Platform fee in minor units for ``amount`` at ``fee_bps`` basis points, rounded half up."""
    return (amount * fee_bps + 5_000) // 10_000
