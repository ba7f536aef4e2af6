"""PBOC electronic purse commands (JR/T 0025): public info, balance, transaction log,
load (圈存) in two halves, and purchase with a PSAM.

Each function sends its APDUs through a :data:`card.apdu.Transmit` and parses the answer
strictly: a response of the wrong length is a CardFormatError, never a short slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from card import pboc
from card.apdu import CommandApdu, Transmit, check, exchange, run
from card.citizen import LoadRequest, LoadResult, PurchaseResult, PurseInfo, PurseTransaction
from card.errors import CardFormatError
from card.social_security import bcd_date

MF = b"\x3f\x00"
PURSE_DF = b"\x10\x01"
PUBLIC_INFO_SFI = 0x15
LOG_SFI = 0x18
LOG_RECORD = 23
MAX_LOG_RECORDS = 10
KEY_INDEX = 0x01
GET_BALANCE = CommandApdu(0x80, 0x5C, 0x00, 0x02, le=4)


def _expect(data: bytes, n: int, what: str) -> bytes:
    if len(data) != n:
        raise CardFormatError(f"{what}: {len(data)} bytes, expected {n}", code="PURSE")
    return data


@cache
def select_fid(fid: bytes) -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x00, 0x00, fid)


def select_purse(transmit: Transmit) -> None:
    run(transmit, select_fid(MF), "SELECT MF")
    run(transmit, select_fid(PURSE_DF), "SELECT purse")


def read_public_info(transmit: Transmit) -> tuple[bytes, str, PurseInfo]:
    """(serial 10 bytes, issuer hex, info without balance) from SFI 0x15."""
    data = run(transmit, CommandApdu(0x00, 0xB0, 0x80 | PUBLIC_INFO_SFI, 0, le=256),
               "READ public info")
    if len(data) < 28:
        raise CardFormatError("public info shorter than 28 bytes", code="PURSE")
    serial = bytes(data[10:20])
    issuer = data[:8].hex().upper()
    info = PurseInfo(balance=0, serial=serial.hex().upper(), issuer=issuer,
                     valid_from=bcd_date(data[20:24], "purse validity start"),
                     valid_until=bcd_date(data[24:28], "purse validity end"))
    return serial, issuer, info


def get_balance(transmit: Transmit) -> int:
    data = run(transmit, GET_BALANCE, "GET BALANCE")
    return int.from_bytes(_expect(data, 4, "balance"), "big")


def parse_log_record(raw: bytes) -> PurseTransaction:
    _expect(raw, LOG_RECORD, "log record")
    when: datetime | None
    try:
        when = datetime.strptime(raw[16:23].hex(), "%Y%m%d%H%M%S")
    except ValueError:
        when = None
    return PurseTransaction(
        seq=int.from_bytes(raw[0:2], "big"), amount=int.from_bytes(raw[5:9], "big"),
        tx_type=raw[9], terminal_id=raw[10:16].hex().upper(), when=when)


def read_log(transmit: Transmit) -> tuple[PurseTransaction, ...]:
    """The transaction log, newest first, until the card says there are no more."""
    out: list[PurseTransaction] = []
    for record in range(1, MAX_LOG_RECORDS + 1):
        response = exchange(
            transmit, CommandApdu(0x00, 0xB2, record, (LOG_SFI << 3) | 4, le=LOG_RECORD))
        if response.sw == 0x6A83:
            break
        raw = check(response, f"READ log/{record}")
        if raw.count(0) == len(raw) or raw.count(0xFF) == len(raw):
            break
        out.append(parse_log_record(raw))
    return tuple(out)


def read_purse(transmit: Transmit) -> PurseInfo:
    """Select the purse and read public info, balance and log."""
    select_purse(transmit)
    _serial, _issuer, info = read_public_info(transmit)
    return PurseInfo(balance=get_balance(transmit), serial=info.serial, issuer=info.issuer,
                     valid_from=info.valid_from, valid_until=info.valid_until,
                     transactions=read_log(transmit))


def initialize_load(transmit: Transmit, serial: bytes, amount: int,
                    terminal_id: bytes) -> LoadRequest:
    data = KEY_INDEX.to_bytes(1, "big") + amount.to_bytes(4, "big") + terminal_id
    out = _expect(run(transmit, CommandApdu(0x80, 0x50, 0x00, 0x02, data, le=16),
                      "INITIALIZE FOR LOAD"), 16, "INITIALIZE FOR LOAD")
    return LoadRequest(
        card_serial=serial, amount=amount, terminal_id=terminal_id,
        old_balance=int.from_bytes(out[0:4], "big"), online_seq=int.from_bytes(out[4:6], "big"),
        key_version=out[6], alg_id=out[7], card_random=bytes(out[8:12]), mac1=bytes(out[12:16]))


def credit_load(transmit: Transmit, request: LoadRequest, mac2: bytes,
                when: datetime) -> LoadResult:
    if len(mac2) != 4:
        raise ValueError("MAC2 must be 4 bytes")
    day, time = pboc.bcd_datetime(when)
    tac = _expect(run(transmit, CommandApdu(0x80, 0x52, 0x00, 0x00, day + time + mac2, le=4),
                      "CREDIT FOR LOAD"), 4, "TAC")
    return LoadResult(tac=tac, new_balance=request.old_balance + request.amount,
                      online_seq=request.online_seq + 1)


@dataclass(frozen=True)
class PurchaseInit:
    balance: int
    offline_seq: bytes
    overdraft: int
    key_version: int
    alg_id: int
    card_random: bytes


def initialize_purchase(transmit: Transmit, amount: int, terminal_id: bytes) -> PurchaseInit:
    data = KEY_INDEX.to_bytes(1, "big") + amount.to_bytes(4, "big") + terminal_id
    out = _expect(run(transmit, CommandApdu(0x80, 0x50, 0x01, 0x02, data, le=15),
                      "INITIALIZE FOR PURCHASE"), 15, "INITIALIZE FOR PURCHASE")
    return PurchaseInit(
        balance=int.from_bytes(out[0:4], "big"), offline_seq=bytes(out[4:6]),
        overdraft=int.from_bytes(out[6:9], "big"), key_version=out[9], alg_id=out[10],
        card_random=bytes(out[11:15]))


def transaction_proof(transmit: Transmit, tx_type: int, seq: int) -> bytes | None:
    """GET TRANSACTION PROOF of the card's last load (``TX_EP_LOAD``: TAC, 4 bytes) or
    purchase (``TX_EP_PURCHASE``: TAC || MAC2, 8 bytes) made with sequence number ``seq``
    (the one INITIALIZE answered). None when the card made no such transaction (9406):
    it was never credited or debited. The purse must be selected."""
    size = 4 if tx_type == pboc.TX_EP_LOAD else 8
    response = exchange(transmit, CommandApdu(0x80, 0x5A, 0x00, tx_type,
                                              seq.to_bytes(2, "big"), le=size))
    if response.sw == 0x9406:
        return None
    return _expect(check(response, "GET TRANSACTION PROOF"), size, "transaction proof")


# -- PSAM --------------------------------------------------------------------------------

PSAM_TERMINAL_SFI = 0x16


def psam_terminal_id(psam: Transmit) -> bytes:
    data = run(psam, CommandApdu(0x00, 0xB0, 0x80 | PSAM_TERMINAL_SFI, 0, le=6),
               "READ PSAM terminal id")
    return _expect(data, 6, "PSAM terminal id")


def psam_mac1(psam: Transmit, init: PurchaseInit, serial: bytes, amount: int,
              when: datetime) -> tuple[bytes, bytes]:
    """INIT SAM FOR PURCHASE: (terminal seq 4, MAC1 4) for DEBIT FOR PURCHASE."""
    day, time = pboc.bcd_datetime(when)
    sam_data = (init.card_random + init.offline_seq + amount.to_bytes(4, "big")
                + bytes((pboc.TX_EP_PURCHASE,)) + day + time
                + bytes((init.key_version, init.alg_id)) + serial[2:])
    sam_out = _expect(run(psam, CommandApdu(0x80, 0x70, 0x00, 0x00, sam_data, le=8),
                          "INIT SAM FOR PURCHASE"), 8, "INIT SAM FOR PURCHASE")
    return bytes(sam_out[:4]), bytes(sam_out[4:])


def debit_purchase(card: Transmit, terminal_seq: bytes, mac1: bytes,
                   when: datetime) -> tuple[bytes, bytes]:
    """DEBIT FOR PURCHASE: the card takes the money and answers (TAC, MAC2)."""
    day, time = pboc.bcd_datetime(when)
    debit = _expect(run(card, CommandApdu(0x80, 0x54, 0x01, 0x00,
                                          terminal_seq + day + time + mac1, le=8),
                        "DEBIT FOR PURCHASE"), 8, "DEBIT FOR PURCHASE")
    return bytes(debit[:4]), bytes(debit[4:])


def psam_verify_mac2(psam: Transmit, mac2: bytes) -> bool:
    """CREDIT SAM FOR PURCHASE: whether the PSAM accepts the card's MAC2 (9302: no)."""
    response = exchange(psam, CommandApdu(0x80, 0x72, 0x00, 0x00, mac2))
    if response.sw == 0x9302:
        return False
    check(response, "CREDIT SAM FOR PURCHASE")
    return True


def purchase(card: Transmit, psam: Transmit, serial: bytes, amount: int,
             when: datetime) -> PurchaseResult:
    """A full purchase: the PSAM makes MAC1, the card debits and answers TAC + MAC2,
    the PSAM verifies MAC2. The card must have its purse selected."""
    terminal_id = psam_terminal_id(psam)
    init = initialize_purchase(card, amount, terminal_id)
    terminal_seq, mac1 = psam_mac1(psam, init, serial, amount, when)
    tac, mac2 = debit_purchase(card, terminal_seq, mac1, when)
    if not psam_verify_mac2(psam, mac2):
        raise CardFormatError("the PSAM rejected the card's MAC2", code="MAC2")
    return PurchaseResult(tac=tac, new_balance=init.balance - amount,
                          offline_seq=int.from_bytes(init.offline_seq, "big") + 1,
                          terminal_seq=int.from_bytes(terminal_seq, "big"), mac2=mac2)
