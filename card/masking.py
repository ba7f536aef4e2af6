"""The masking rules for personal data in logs and diagnostics (one place for all)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first character: 张伟 -> 张*, JOHN -> J***."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id(number: str) -> str:
    """Keep the first 4 and last 2 characters."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def mask_address(address: str) -> str:
    """Keep the first 6 characters (province and city)."""
    if len(address) <= 6:
        return address[:2] + "*" * max(0, len(address) - 2)
    return address[:6] + "*" * (len(address) - 6)


def mask_date(iso: str) -> str:
    """Keep the year of a YYYY-MM-DD date."""
    return iso[:4] + "-**-**" if len(iso) == 10 else "*" * len(iso)
