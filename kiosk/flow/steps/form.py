"""Form: typed fields prefilled from the person, options from the backend, validation.

The UI shows ``raw`` values as typed and ``field_errors`` under each field; every edit is
validated at once, and ``submit()`` validates all and stores the typed values in the
session. Options of ``options_from`` fields (bills, appointment slots, applications)
are loaded from the backend when the step starts.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar

from backend_client.service_definition import FormField, FormStep
from drivers.errors import UserFacingError
from kiosk.flow.ports import Option
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.validation import FieldInvalid, FieldValue, validate_field


class FormState(Enum):
    LOADING = "loading"
    EDITING = "editing"
    #: Options could not be loaded; retry() loads them again.
    FAILED = "failed"
    DONE = "done"


class FormController(StepController[FormState]):
    step_type = "form"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({FormState.LOADING})

    def __init__(self, context: StepContext, step: FormStep) -> None:
        super().__init__(context, FormState.EDITING)
        self.step = step
        self.raw: dict[str, str] = {}
        self.field_errors: dict[str, FieldInvalid] = {}
        self._loaded: dict[str, tuple[Option, ...]] = {}

    @property
    def done(self) -> bool:
        return self.state is FormState.DONE

    @property
    def fields(self) -> tuple[FormField, ...]:
        return self.step.fields

    def start(self) -> None:
        self._cancelled.clear()
        person = self.context.session.person
        for field in self.step.fields:
            if field.prefill and field.name not in self.raw and person is not None:
                value = person.prefill(field.prefill)
                if value:
                    self.raw[field.name] = value
        self._load_options()

    def retry(self) -> None:
        if self.state is FormState.FAILED:
            self._load_options()

    def options(self, name: str) -> tuple[Option, ...]:
        """The choices of a choice field, labelled in the session's language."""
        field = self._field(name)
        if field.options_from:
            return self._loaded.get(name, ())
        lang = self.context.session.language
        return tuple(Option(c.value, c.label.get(lang)) for c in field.choices)

    def set_value(self, name: str, raw: str) -> FieldValue:
        """Take the field's new text; returns the typed value or raises FieldInvalid."""
        field = self._field(name)
        self.raw[name] = raw
        try:
            value = self._validate(field)
        except FieldInvalid as exc:
            self.field_errors[name] = exc
            self._notify()
            raise
        self.field_errors.pop(name, None)
        self._notify()
        return value

    def submit(self) -> bool:
        """Validate every field; store the values and finish, or show the errors."""
        if self.state is not FormState.EDITING:
            return False
        values: dict[str, FieldValue] = {}
        self.field_errors.clear()
        for field in self.step.fields:
            try:
                values[field.name] = self._validate(field)
            except FieldInvalid as exc:
                self.field_errors[field.name] = exc
        if self.field_errors:
            self._set_state(FormState.EDITING, error=UserFacingError("form.invalid"))
            return False
        data = self.context.session.data
        data.fields.update(values)
        for field in self.step.fields:
            if field.options_from and isinstance(values[field.name], str):
                loaded = self._loaded.get(field.name, ())
                picked = [o for o in loaded if o.value == values[field.name]]
                if picked:
                    data.picked[field.name] = picked[0]
        self._set_state(FormState.DONE)
        return True

    def wipe(self) -> None:
        self.raw.clear()
        self.field_errors.clear()
        self._loaded.clear()
        super().wipe()

    def _field(self, name: str) -> FormField:
        for field in self.step.fields:
            if field.name == name:
                return field
        raise KeyError(name)

    def _validate(self, field: FormField) -> FieldValue:
        allowed = tuple(o.value for o in self.options(field.name)) if field.type == "choice" else ()
        return validate_field(field, self.raw.get(field.name), options=allowed)

    def _load_options(self) -> None:
        wanted = [f for f in self.step.fields if f.options_from]
        person = self.context.session.person
        if not wanted or person is None:
            self._set_state(FormState.EDITING)
            return
        self._set_state(FormState.LOADING)

        def job() -> None:
            backend = self.context.ports.options
            for field in wanted:
                assert field.options_from is not None
                self._loaded[field.name] = self._await(
                    backend.options(field.options_from, person, self.context.session.language),
                    backend=True,
                )
            if not self._cancelled.is_set():
                self._set_state(FormState.EDITING)

        self._run(job, FormState.FAILED)
