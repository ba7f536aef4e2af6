"""Review: a summary of everything entered before anything is paid or submitted.

Personal data is masked where shown (the screen may be seen by the next in line): the
name, ID number, phone and address of the person, and form fields of those kinds.
Labels stay :class:`LocalText` (or a message key) so a language switch re-renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from backend_client.service_definition import (
    DeliveryStep,
    FormField,
    FormStep,
    LocalText,
    ReviewStep,
    SignStep,
)
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.steps.delivery import MAIL_FIELDS, METHOD_TEXT
from kiosk.flow.validation import FieldValue
from kiosk_base.masking import mask_address, mask_id_number, mask_name, mask_phone


@dataclass(frozen=True)
class ReviewItem:
    """One line of the summary. Without ``label`` the UI shows message "review.<key>"."""

    key: str
    value: str
    label: LocalText | None = None
    #: A value that is a text in both languages (shown instead of ``value``).
    value_text: LocalText | None = None


def delivery_items(fields: dict[str, FieldValue]) -> list[ReviewItem]:
    """The delivery choice, masked (the next in line may see the screen)."""
    method = fields.get("delivery_method")
    if method not in METHOD_TEXT:
        return []
    items = [ReviewItem("delivery.method", "", DELIVERY_LABEL, METHOD_TEXT[str(method)])]
    if method == "mail":
        masks = {"delivery_name": mask_name, "delivery_phone": mask_phone,
                 "delivery_address": mask_address}
        items += [ReviewItem(f"field.{f.name}", masks[f.name](str(fields.get(f.name, ""))),
                             f.label) for f in MAIL_FIELDS]
    return items


DELIVERY_LABEL = LocalText(zh="领取方式", en="Delivery")


class ReviewState(Enum):
    SHOWN = "shown"
    CONFIRMED = "confirmed"


class ReviewController(StepController[ReviewState]):
    step_type = "review"

    def __init__(self, context: StepContext, step: ReviewStep) -> None:
        super().__init__(context, ReviewState.SHOWN)
        self.step = step
        self.items: tuple[ReviewItem, ...] = ()

    @property
    def done(self) -> bool:
        return self.state is ReviewState.CONFIRMED

    def start(self) -> None:
        self.items = self._summary()
        self._set_state(ReviewState.SHOWN)

    def confirm(self) -> None:
        if self.state is ReviewState.SHOWN:
            self._set_state(ReviewState.CONFIRMED)

    def wipe(self) -> None:
        self.items = ()
        super().wipe()

    def _summary(self) -> tuple[ReviewItem, ...]:
        session = self.context.session
        items: list[ReviewItem] = []
        person = session.person
        if person is not None:
            items.append(ReviewItem("person.name", mask_name(person.name)))
            items.append(ReviewItem("person.id_number", mask_id_number(person.id_number)))
        data = session.data
        for step in self.context.service.steps:
            if isinstance(step, FormStep):
                for field in step.fields:
                    if field.name in data.fields and data.fields[field.name] is not None:
                        shown = self._shown(field, data.fields[field.name])
                        items.append(ReviewItem(f"field.{field.name}", shown, field.label))
        signs = {s.purpose: s for s in self.context.service.steps if isinstance(s, SignStep)}
        for purpose in data.photos:
            if purpose in signs:  # a signature: its step's title, never the image
                items.append(ReviewItem(f"signature.{purpose}", "✔", signs[purpose].title))
            else:
                items.append(ReviewItem(f"photo.{purpose}", "1"))
        if any(isinstance(s, DeliveryStep) for s in self.context.service.steps):
            items.extend(delivery_items(data.fields))
        for document_id, pages in data.pages.items():
            count = data.reused[document_id][1] if document_id in data.reused else len(pages)
            items.append(ReviewItem(f"document.{document_id}", str(count)))
        fee = self.context.service.fee_fen
        if fee:
            items.append(ReviewItem("fee", f"{fee // 100}.{fee % 100:02d}"))
        return tuple(items)

    def _shown(self, field: FormField, value: FieldValue) -> str:
        text = value.isoformat() if isinstance(value, date) else str(value)
        if field.type == "id_number":
            return mask_id_number(text)
        if field.type == "phone":
            return mask_phone(text)
        if field.type == "address":
            return mask_address(text)
        if field.prefill == "person.name":
            return mask_name(text)
        if field.type == "choice":
            picked = self.context.session.data.picked.get(field.name)
            if picked is not None:
                return picked.label
            lang = self.context.session.language
            for choice in field.choices:
                if choice.value == text:
                    return choice.label.get(lang)
        return text
