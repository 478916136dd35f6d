"""Korean particles chosen by how the preceding word ends when read aloud (Hangul, digits, Latin).

Templates write a particle pair as a marker, ``[을/를]``; :func:`attach_particles` picks the
form after a closed syllable (을) or an open one (를), ``[으로/로]`` treating a final ㄹ as open.
"""

from __future__ import annotations

import re

__all__ = ["attach_particles", "final_consonant"]

_DIGIT_FINAL = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}
# Final consonant (jongseong index, 0 = none, 8 = ㄹ) of a Latin letter read aloud.
_UPPER_FINAL = {"L": 8, "M": 16, "N": 4, "R": 8}
_LOWER_FINAL = {"l": 8, "m": 16, "n": 4, "t": 19, "g": 21}
_PARTICLE_RE = re.compile(r"\[(은/는|이/가|을/를|과/와|이랑/랑|으로/로|아/야)\]")


def final_consonant(word: str) -> int:
    """Jongseong index of how ``word`` ends when read in Korean (0: open syllable).

    >>> [final_consonant(w) for w in ("대전", "위성", "ISS", "25544", "Sentinel")]
    [4, 21, 0, 0, 8]
    """
    for ch in reversed(word):
        code = ord(ch)
        if 0xAC00 <= code <= 0xD7A3:
            return (code - 0xAC00) % 28
        if ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        if ch.isascii() and ch.isalpha():
            if word.isupper() or ch.isupper():
                return _UPPER_FINAL.get(ch.upper(), 0)
            return _LOWER_FINAL.get(ch, 0)
    return 0


def attach_particles(text: str) -> str:
    """Resolve "[을/를]"-style particle markers against the preceding word.

    >>> attach_particles("대전[과/와] 나로[으로/로] ISS[을/를] 서울[으로/로]")
    '대전과 나로로 ISS를 서울로'
    """

    def repl(match: re.Match[str]) -> str:
        closed, opened = match.group(1).split("/")
        final = final_consonant(text[: match.start()].rstrip())
        if closed == "으로":
            return "로" if final in (0, 8) else "으로"
        return closed if final else opened

    return _PARTICLE_RE.sub(repl, text)
