"""Secrets of the coursework layer: course codes, resume tokens, the instructor key, bounded text.

- A course code (``NNPES-7KQ4-M2XD``) is handed to the class by the instructor; 40 random bits.
- A resume token (32 URL-safe characters, 192 random bits) is a student's only key to their record.
  The database stores SHA-256 digests of codes and tokens and finds a row by the digest of what was
  typed; the digests are then compared with ``hmac.compare_digest``, whose time does not depend on
  where two strings first differ, so response times tell nothing about a secret.
- Every stored text is bounded: too-long names and titles are refused, answers are cut.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import unicodedata

from nnpes_core.coursework.errors import CourseworkError

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from a slide
TOKEN_BYTES = 24


def digest(secret: str) -> str:
    """Hex SHA-256 of a code or token (what the database stores)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of two secrets (or of their digests)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def new_course_code() -> str:
    """A random course code such as ``NNPES-7KQ4-M2XD``."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"NNPES-{body[:4]}-{body[4:]}"


def normalise_code(text: str) -> str:
    """What the student typed, as a code: "nnpes 7kq4 m2xd" -> "NNPES-7KQ4-M2XD" (case, spaces and
    dashes do not matter)."""
    letters = re.sub(r"[^0-9A-Za-z]", "", str(text)).upper()[:40]
    if len(letters) == 13 and letters.startswith("NNPES"):
        return f"NNPES-{letters[5:9]}-{letters[9:]}"
    return letters


def new_resume_token() -> str:
    """A random resume token, e.g. ``'r3Xk...'`` (32 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def instructor_key_matches(given: str | None, configured: str | None) -> bool:
    """True when an instructor key is configured and ``given`` equals it (constant time)."""
    if not configured or not given:
        return False
    return same_secret(str(given), str(configured))


def bounded(text: object, limit: int, what: str, *, cut: bool = False) -> str:
    """``text`` as a clean one-line string of at most ``limit`` characters.

    Control characters are removed and runs of spaces collapsed; an empty result, or (unless ``cut``)
    a longer one, raises CourseworkError naming ``what``.
    """
    clean = "".join(c for c in unicodedata.normalize("NFKC", str(text)) if unicodedata.category(c)[0] != "C")
    clean = " ".join(clean.split())
    if not clean:
        raise CourseworkError(f"The {what} is empty.")
    if len(clean) > limit:
        if not cut:
            raise CourseworkError(f"The {what} is too long ({len(clean)} characters; at most {limit}).")
        clean = clean[:limit]
    return clean


def name_key(name: str) -> str:
    """The form of a name used to tell students apart: "  Ada  LOVELACE " -> "ada lovelace"."""
    return " ".join(name.casefold().split())


def bounded_mapping(values: dict, limit: int, what: str) -> dict:
    """A JSON-safe copy of a flat mapping of settings or errors: at most 24 keys (40 characters),
    values that are finite numbers (others become None), booleans, None or strings (cut to 100
    characters). Within ``limit`` characters as JSON whatever the input, when ``limit`` >= 4000."""
    clean: dict = {}
    for key, value in list(dict(values).items())[:24]:
        key = bounded(key, 40, f"{what} name", cut=True)
        if isinstance(value, bool) or value is None:
            clean[key] = value
        elif isinstance(value, (int, float)):
            number = float(value)
            clean[key] = (int(value) if isinstance(value, int) else number) if math.isfinite(number) else None
        else:
            clean[key] = bounded(value, 100, what, cut=True) if str(value).strip() else ""
    if len(json.dumps(clean, ensure_ascii=False)) > limit:
        raise CourseworkError(f"The {what} are too long to store (more than {limit} characters as JSON).")
    return clean
