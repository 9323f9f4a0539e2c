"""The search rule for words: what a word is, how text and queries become words.

One rule for both engines and both sides: documents are indexed as the words this
module finds (the engines' own tokenizers then see nothing but words and spaces), and
a query is parsed into the same words. A word is a maximal run of letters, digits and
combining marks (Unicode categories L*, N*, M*) after NFKC normalisation, compared
case-insensitively (Unicode case folding: "Straße" matches "STRASSE"). Diacritics are
kept: "café" and "cafe" are different words, as PostgreSQL's 'simple' configuration
and SQLite's unicode61 with remove_diacritics 0 see them. Words longer than
MAX_WORD_CHARS are not indexed (PostgreSQL refuses lexemes over 2 KiB).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from graph_api.errors import BadUserInput

MAX_WORD_CHARS = 200
MAX_QUERY_WORDS = 32


# Python's \w is letters, digits and "_" (str.isalnum() or "_"); the marks are added
# here, and "_" is a separator (normalise() turns it into a space). Marks live in planes
# 0, 1 and 14 only, so only those are scanned, once, on first use.
_MARK_PLANES = (range(0x20000), range(0xE0000, 0xE1000))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    codes = [code for plane in _MARK_PLANES for code in plane if _is_mark(code)]
    spans: list[list[int]] = []
    for code in codes:
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)
    word = f"[\\w{marks}]+"
    return re.compile(word), re.compile(f"({word})(\\*?)")


def _is_mark(code: int) -> bool:
    return unicodedata.category(chr(code))[0] == "M"


# ASCII separators become spaces in one C-level pass; the regex only sees the rare
# part that still holds something other than letters and digits.
_ASCII_SEPARATORS = {code: " " for code in range(128) if not chr(code).isalnum()}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise(text: str) -> str:
    return _fold(text).translate(_ASCII_SEPARATORS)


# ASCII text is its own NFKC form and folds as lower() folds it: one byte table folds it
# and turns its separators into spaces, and what stays between the spaces is words.
_ASCII_FOLD = bytes(
    ord(chr(code).lower()) if chr(code).isalnum() else ord(" ") for code in range(256)
)


def words(text: str) -> list[str]:
    """The distinct words of a text, in order of first appearance."""
    found: dict[str, None]
    if text.isascii():
        found = dict.fromkeys(text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split())
        if len(text) <= MAX_WORD_CHARS:  # no word of it can be too long
            return list(found)
    else:
        found = {}
        pattern = _patterns()[0]
        for part in normalise(text).split():
            if part.isalnum():
                found[part] = None
            else:
                found.update(dict.fromkeys(pattern.findall(part)))
    return [word for word in found if len(word) <= MAX_WORD_CHARS]


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool


def parse_query(query: str) -> list[Term]:
    """The words of a search query; `word*` is a prefix. No word at all is BAD_USER_INPUT."""
    terms: dict[Term, None] = {}
    for word, star in _patterns()[1].findall(_fold(query).replace("_", " ")):
        terms[Term(word[:MAX_WORD_CHARS], bool(star))] = None
    if not terms:
        raise BadUserInput(
            "query must contain at least one word (letters or digits)", field="query"
        )
    if len(terms) > MAX_QUERY_WORDS:
        raise BadUserInput(f"query has more than {MAX_QUERY_WORDS} words", field="query")
    return list(terms)
