"""One client, one number: '8 (912) 345-67-89', '+79123456789' and '9123456789' are the same."""

from __future__ import annotations

import phonenumbers


def normalize(raw: str | None, region: str = "RU") -> str:
    """E.164 when the number parses, else its digits: never lose a number we cannot parse."""
    if not raw:
        return ""
    text = str(raw).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if region == "RU" and len(digits) == 11 and digits[0] == "8" and not text.startswith("+"):
        text = "+7" + digits[1:]  # the Russian trunk prefix 8 stands for +7
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
