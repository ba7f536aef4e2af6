"""What differs between the catalog's certificates: sub-heading, table shape, emphasis.

The backend sends labels and values already in the certificate's language; a template
only decides how they are laid out (which table columns are amounts and align right,
what the table is called, whether a total is emphasised).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from printers.errors import CertificateDataError

_AMOUNT = re.compile(r"^-?[\d,]+(\.\d+)?$")


@dataclass(frozen=True)
class CertificateTemplate:
    name: str
    #: Table caption by language, shown above the table (None: no caption).
    table_caption: dict[str, str] | None
    #: Relative column widths by column count (None: equal widths).
    column_weights: tuple[float, ...] | None = None
    #: Labels whose value is set larger (a voucher's amount).
    emphasised_labels: frozenset[str] = frozenset()
    #: Two label/value pairs per row (short fields) instead of one.
    two_column_fields: bool = True

    def numeric_columns(self, rows: tuple[tuple[str, ...], ...], width: int) -> set[int]:
        """Columns whose every non-empty cell is an amount or a count (right-aligned)."""
        numeric = set()
        for col in range(width):
            cells = [row[col] for row in rows if row[col].strip()]
            if cells and all(_AMOUNT.match(c.strip()) for c in cells):
                numeric.add(col)
        return numeric


TEMPLATES: dict[str, CertificateTemplate] = {
    "social_insurance_record": CertificateTemplate(
        name="social_insurance_record",
        table_caption={"zh": "缴费明细", "en": "Contribution record"},
    ),
    "household_registration": CertificateTemplate(
        name="household_registration",
        table_caption={"zh": "户内成员", "en": "Members of the household"},
        two_column_fields=False,
    ),
    "elderly_card": CertificateTemplate(
        name="elderly_card",
        table_caption={"zh": "享受待遇", "en": "Entitlements"},
    ),
    "payment_voucher": CertificateTemplate(
        name="payment_voucher",
        table_caption={"zh": "缴费项目", "en": "Items paid"},
        emphasised_labels=frozenset({"金额", "合计", "实缴金额", "Amount", "Total", "Amount paid"}),
    ),
    "real_estate_record": CertificateTemplate(
        name="real_estate_record",
        table_caption={"zh": "登记信息", "en": "Registered real estate"},
        emphasised_labels=frozenset({"查询结果", "Result"}),
        two_column_fields=False,
    ),
}


def template_for(name: str) -> CertificateTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise CertificateDataError(
            f"no layout for certificate template {name!r}; known: {', '.join(TEMPLATES)}"
        ) from None
