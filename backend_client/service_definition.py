"""Service definitions: the data that describes one service's steps (schema version 1).

The backend's catalog serves these; the kiosk's flow engine runs them. A service is a
sequence of typed steps; nothing about a particular service is hard-coded in the kiosk.
Text shown to people is a :class:`LocalText` with every supported language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1
LANGUAGES = ("zh", "en")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Model):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


FieldType = Literal["text", "number", "date", "phone", "choice", "address", "id_number"]


class Choice(_Model):
    value: str
    label: LocalText


class FormField(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    label: LocalText
    required: bool = True
    #: number: inclusive bounds; text/address: length bounds.
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(None, gt=0)
    #: choice: fixed options, or options_from names a person-scoped backend query
    #: ("bills", "paid_bills", "appointment_slots", "applications") whose items become
    #: the options.
    choices: tuple[Choice, ...] = ()
    options_from: Literal["bills", "paid_bills", "appointment_slots", "applications"] | None \
        = None
    #: Pre-filled from the identified person ("person.name", "person.phone", ...).
    prefill: str | None = None
    hint: LocalText | None = None

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> FormField:
        if self.type == "choice" and not (self.choices or self.options_from):
            raise ValueError("a choice field needs choices or options_from")
        if self.type != "choice" and (self.choices or self.options_from):
            raise ValueError("only choice fields take choices/options_from")
        return self


class IdentifyStep(_Model):
    type: Literal["identify"]
    methods: tuple[Literal["id_card", "citizen_card", "qr_login"], ...] = (
        "id_card",
        "citizen_card",
        "qr_login",
    )


class VerifyFaceStep(_Model):
    type: Literal["verify_face"]


class FormStep(_Model):
    type: Literal["form"]
    title: LocalText
    fields: tuple[FormField, ...] = Field(min_length=1)


class CapturePhotoStep(_Model):
    type: Literal["capture_photo"]
    title: LocalText
    #: What the photo is for, sent with it ("elderly_card_photo").
    purpose: str


class DocumentSpec(_Model):
    id: str
    label: LocalText
    min_pages: int = Field(1, ge=0)
    max_pages: int = Field(5, ge=1)


#: The devices a scan_documents step may capture with, in the order a resident is offered.
SCAN_SOURCES: tuple[str, ...] = ("document_camera", "scanner")


class ScanDocumentsStep(_Model):
    type: Literal["scan_documents"]
    documents: tuple[DocumentSpec, ...] = Field(min_length=1)
    #: The device that captures the pages: "document_camera", "scanner", or "any" (the
    #: resident picks among those the terminal has).
    device: Literal["document_camera", "scanner", "any"] = "document_camera"
    #: Offer the person's stored copy of a document (the materials library) first.
    reuse_materials: bool = True
    #: Offer a QR code to send the document from the resident's phone.
    phone_upload: bool = True

    @property
    def sources(self) -> tuple[str, ...]:
        """The device roles this step may use."""
        return SCAN_SOURCES if self.device == "any" else (self.device,)


class ReviewStep(_Model):
    type: Literal["review"]


PayMethod = Literal["qr", "card_purse"]


class PayStep(_Model):
    type: Literal["pay"]
    #: A fixed fee in fen, or taken from a form field holding fen ("amount_from").
    amount_fen: int | None = Field(None, ge=0)
    amount_from: str | None = None
    description: LocalText
    #: How the resident may pay: a QR code always; "card_purse": also from the citizen
    #: card's electronic purse (消费, with the terminal's PSAM) when logged in with it.
    methods: list[PayMethod] = Field(default_factory=lambda: list[PayMethod](["qr"]))

    @model_validator(mode="after")
    def _one_amount(self) -> PayStep:
        if (self.amount_fen is None) == (self.amount_from is None):
            raise ValueError("a pay step needs exactly one of amount_fen and amount_from")
        return self


SubmitAction = Literal[
    "certificate",      # issue a certificate (then print_certificate)
    "application",      # create + attach documents/photos + submit an application
    "bill_payment",     # settle the chosen bill with the payment made
    "card_topup",       # load the paid amount onto the citizen card purse
    "appointment",      # book the chosen slot
    "status_query",     # look up the person's applications and show them
]


class SubmitStep(_Model):
    type: Literal["submit"]
    action: SubmitAction
    #: certificate: which certificate to issue; application: its kind.
    kind: str | None = None


class PrintCertificateStep(_Model):
    type: Literal["print_certificate"]


class PrintReceiptStep(_Model):
    type: Literal["print_receipt"]


class SignStep(_Model):
    """The resident signs with a finger; the image goes with the application."""

    type: Literal["sign"]
    title: LocalText
    #: What the resident confirms by signing (shown above the pad).
    statement: LocalText
    #: The attachment's document id ("applicant_signature").
    purpose: str = Field("applicant_signature", pattern=r"^[a-z][a-z0-9_]*$")


DeliveryMethod = Literal["pickup", "mail"]


class DeliveryStep(_Model):
    """How the result reaches the resident: picked up at a window, or mailed."""

    type: Literal["delivery"]
    methods: tuple[DeliveryMethod, ...] = Field(("pickup", "mail"), min_length=1)
    #: Where "pickup" is (shown with the choice).
    pickup_place: LocalText | None = None


Step = Annotated[
    IdentifyStep
    | VerifyFaceStep
    | FormStep
    | CapturePhotoStep
    | ScanDocumentsStep
    | ReviewStep
    | PayStep
    | SubmitStep
    | PrintCertificateStep
    | PrintReceiptStep
    | SignStep
    | DeliveryStep,
    Field(discriminator="type"),
]

STEP_DEVICES: dict[str, tuple[str, ...]] = {
    # step type -> device roles it cannot run without ("identify" needs any one reader,
    # which the flow engine checks separately against the step's methods).
    "verify_face": ("face_camera",),
    "capture_photo": ("face_camera",),
    "print_certificate": ("a4_printer",),
    "print_receipt": ("receipt_printer",),
}


class ServiceDefinition(_Model):
    schema_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    topic: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: LocalText
    description: LocalText
    #: Shown in the menu; the pay step decides what is actually charged.
    fee_fen: int = Field(0, ge=0)
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _identify_first(self) -> ServiceDefinition:
        if self.steps[0].type != "identify":
            raise ValueError("the first step of a service must be identify")
        return self

    @model_validator(mode="after")
    def _amount_from_names_an_amount(self) -> ServiceDefinition:
        """A pay step's amount_from names an earlier number field, a bill choice or a
        choice whose values are all whole fen (never free text)."""
        fields: dict[str, FormField] = {}
        for step in self.steps:
            if isinstance(step, FormStep):
                fields.update((f.name, f) for f in step.fields)
            if not isinstance(step, PayStep) or step.amount_from is None:
                continue
            field = fields.get(step.amount_from)
            if field is None:
                raise ValueError(f"amount_from {step.amount_from!r} names no earlier field")
            fen = field.type == "number" or field.options_from == "bills" or (
                field.type == "choice" and not field.options_from
                and all(c.value.isdecimal() and len(c.value) <= 9 for c in field.choices))
            if not fen:
                raise ValueError(f"amount_from {step.amount_from!r} is not an amount in fen")
        return self


class Topic(_Model):
    id: str
    title: LocalText


class Catalog(_Model):
    schema_version: Literal[1] = 1
    topics: tuple[Topic, ...]
    services: tuple[ServiceDefinition, ...]
