"""Delivery: how the result reaches the resident, where the service allows a choice.

Pick up at a window, or mail to an address typed on the touch keyboard with the
recipient's name and phone (prefilled from the identity, the registry's phone and an
address the service's form already asked for). The choice goes with the application
as form fields ``delivery_method``, ``delivery_name``, ``delivery_phone`` and
``delivery_address`` (the last three only for mail).
"""

from __future__ import annotations

from enum import Enum

from backend_client.service_definition import DeliveryStep, FormField, LocalText
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.validation import FieldInvalid, validate_field
from kiosk_base.errors import UserFacingError

#: What the review and the result say for each method.
METHOD_TEXT = {
    "pickup": LocalText(zh="窗口领取", en="Pick up at a service window"),
    "mail": LocalText(zh="邮寄到家", en="By mail"),
}
#: The mail fields, validated as form fields of these types.
MAIL_FIELDS = (
    FormField(name="delivery_name", type="text", max_length=30,
              label=LocalText(zh="收件人", en="Recipient")),
    FormField(name="delivery_phone", type="phone",
              label=LocalText(zh="联系电话", en="Phone")),
    FormField(name="delivery_address", type="address", max_length=80,
              label=LocalText(zh="邮寄地址", en="Postal address")),
)
_KEYS = ("delivery_method", *(f.name for f in MAIL_FIELDS))


class DeliveryState(Enum):
    CHOOSING = "choosing"
    DONE = "done"


class DeliveryController(StepController[DeliveryState]):
    step_type = "delivery"

    def __init__(self, context: StepContext, step: DeliveryStep) -> None:
        super().__init__(context, DeliveryState.CHOOSING)
        self.step = step
        self.method: str = step.methods[0] if len(step.methods) == 1 else ""
        #: What the resident typed, by field name (kept across back / forth).
        self.raw: dict[str, str] = {}
        self.field_errors: dict[str, UserFacingError] = {}
        self._prefilled = False

    @property
    def done(self) -> bool:
        return self.state is DeliveryState.DONE

    def start(self) -> None:
        if not self._prefilled:
            self._prefilled = True
            self.raw.update(self._prefill())
        self._set_state(DeliveryState.CHOOSING)

    def choose(self, method: str) -> None:
        if self.state is DeliveryState.CHOOSING and method in self.step.methods:
            self.method = method
            self.field_errors.clear()
            self._set_state(DeliveryState.CHOOSING)

    def submit(self) -> None:
        """Validate and keep the choice; errors stay in ``field_errors`` / ``error``."""
        if self.state is not DeliveryState.CHOOSING:
            return
        if not self.method:
            self._set_state(DeliveryState.CHOOSING,
                            error=UserFacingError("delivery.choose_method"))
            return
        fields = self.context.session.data.fields
        values: dict[str, str] = {"delivery_method": self.method}
        self.field_errors = {}
        if self.method == "mail":
            for spec in MAIL_FIELDS:
                try:
                    value = validate_field(spec, self.raw.get(spec.name, ""))
                except FieldInvalid as exc:
                    self.field_errors[spec.name] = exc
                    continue
                values[spec.name] = str(value)
            if self.field_errors:
                self._set_state(DeliveryState.CHOOSING,
                                error=UserFacingError("delivery.check_fields"))
                return
        for key in _KEYS:
            fields.pop(key, None)
        fields.update(values)
        self._set_state(DeliveryState.DONE)

    def _prefill(self) -> dict[str, str]:
        session = self.context.session
        person = session.person
        typed = session.data.fields
        values = {
            "delivery_name": person.name if person else "",
            "delivery_phone": str(typed.get("phone") or (person.phone if person else "")),
            "delivery_address": str(typed.get("address") or (person.address if person else "")),
        }
        return {k: v for k, v in values.items() if v}

    def wipe(self) -> None:
        self.raw = {}
        self.field_errors = {}
        super().wipe()
