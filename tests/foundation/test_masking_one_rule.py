"""One set of masking rules: the card data, the API models and the log filter agree.

Before the rules were merged, card/ masked a Latin name as ``S**********`` (one star per
letter) while the log filter wrote ``S***``; each user now goes through kiosk_base.masking.
"""

from __future__ import annotations

from backend_client.models import Person
from card.profiles import load_profile
from kiosk.privacy import mask_text
from kiosk_base.masking import mask_address, mask_id_number, mask_name


def test_latin_name_masks_without_revealing_its_length() -> None:
    fp = load_profile("foreign_permanent").id_card
    assert fp is not None and fp.name_en.isascii() and len(fp.name_en) > 4
    masked = fp.to_dict()
    assert masked["name_en"] == mask_name(fp.name_en) == fp.name_en[0] + "***"
    assert mask_text(f'{{"name": "{fp.name_en}"}}') == f'{{"name": "{fp.name_en[0]}***"}}'
    assert mask_name("SMITH") == mask_name("SMITH, JOHN ALEXANDER")


def test_card_model_and_log_filter_agree_for_one_resident() -> None:
    card = load_profile("zhang_wei").id_card
    assert card is not None
    masked = card.to_dict()
    person = Person(id_number=card.id_number, name=card.name, sex=card.sex,
                    birth_date=card.birth_date, address=card.address)
    assert masked["name"] == mask_name(card.name)
    assert masked["id_number"] == mask_id_number(card.id_number)
    assert masked["address"] == mask_address(card.address)
    assert person.masked() == f"{mask_name(card.name)} {mask_id_number(card.id_number)}"
    assert mask_text(f"id={card.id_number}") == f"id={masked['id_number']}"
    # An address never tells its length: the same stars after the province and city.
    assert mask_address(card.address + "1号楼") == masked["address"]
