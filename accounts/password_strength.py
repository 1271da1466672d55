"""Password strength: refuse common, breached-list and guessable passwords (zxcvbn).

zxcvbn estimates how many guesses a password takes against its frequency lists (common
passwords from breaches, English words, names, keyboard patterns, dates) and the account's own
words (email, name, handle). Its lists ship in the package; nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from zxcvbn import zxcvbn

from core.errors import InvalidInput
from core.text_input import storable_problem

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score: 0 too guessable … 4 very unguessable; 3 resists an offline attack on a slow
# hash for a long time (over 10^8 guesses).
MIN_SCORE = 3
# zxcvbn's cost grows with length; it refuses more than 72 characters. A longer password is at
# least as strong as its first 72 characters, so those are what is rated.
RATED_CHARACTERS = 72
TOO_WEAK = "This password is too common or too easy to guess."
BUILT_FROM_ACCOUNT = "It is built from your email, name or handle."
DEFAULT_REASON = "It would be guessed quickly."
# zxcvbn keeps the user's words in a module-level dictionary while it rates; one at a time.
_lock = threading.Lock()


def _account_words(context: Iterable[str | None]) -> list[str]:
    """The account's words as zxcvbn dictionary entries: each value, and its parts."""
    words: list[str] = ["dandelion"]
    for value in context:
        if not value:
            continue
        parts = [part for part in re.split(r"[\W_]+", value) if part]
        words.extend([value, "".join(parts)])  # "Lumen Skin" is also "lumenskin"
        words.extend(part for part in parts if len(part) >= 3)
    return words


def password_problems(password: str, context: Iterable[str | None] = ()) -> list[str]:
    """Why ``password`` is refused (first the reason, then zxcvbn's suggestions); empty if good.

    ``context`` holds the account's own words (email, brand name, handle): a password made of
    them is refused too.
    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return [f"Between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters."]
    unstorable = storable_problem(password)
    if unstorable:
        return [unstorable]
    with _lock:
        result = zxcvbn(password[:RATED_CHARACTERS], user_inputs=_account_words(context))
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    reason = feedback.get("warning") or ""
    if not reason and any(
        match.get("dictionary_name") == "user_inputs" for match in result.get("sequence", [])
    ):
        reason = BUILT_FROM_ACCOUNT
    problems = [f"{TOO_WEAK} {reason or DEFAULT_REASON}"]
    problems.extend(s for s in feedback.get("suggestions") or [] if s)
    return problems


def check_password_strength(password: str, context: Iterable[str | None] = ()) -> None:
    """Raise ``InvalidInput`` on ``password`` when ``password_problems`` finds any."""
    problems = password_problems(password, context)
    if problems:
        raise InvalidInput(problems[0], {"password": problems})
