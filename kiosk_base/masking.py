"""The masking rules for personal data, in one place for every package.

Used by card/ (``repr`` and ``kiosk-diag`` output of card data), backend_client's models,
the kiosk's log filter (:mod:`kiosk.privacy`, which finds personal data in free text and
applies these rules) and the screens that show personal data in part.

Each rule reveals as little as it can: a masked value never tells how long the original
was (beyond what the format fixes, such as an ID number's 18 characters).
"""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """Keep the first character: 张伟 -> 张*, 欧阳娜娜 -> 欧***, SMITH, JOHN -> S***."""
    name = name.strip()
    if not name:
        return name
    return name[0] + ("*" if len(name) <= 3 and not name.isascii() else "***")


def mask_id_number(number: str) -> str:
    """Keep the first 4 and the last 2 characters of an ID, permit or card number."""
    number = number.strip()
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def mask_address(address: str) -> str:
    """Keep the first 6 characters (the province and city)."""
    address = address.strip()
    return address[:6] + "****" if len(address) > 6 else "****"


def mask_phone(phone: str) -> str:
    """Keep the first 3 and the last 4 digits: 138****5678."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def mask_date(iso: str) -> str:
    """Keep the year of a YYYY-MM-DD date."""
    return iso[:4] + "-**-**" if len(iso) == 10 else "*" * len(iso)
