"""Moved to :mod:`kiosk_base.masking` (one set of rules for every package); kept so old
imports still work. ``mask_id`` is the old name of ``mask_id_number``."""

from kiosk_base.masking import mask_address as mask_address
from kiosk_base.masking import mask_date as mask_date
from kiosk_base.masking import mask_id_number as mask_id_number
from kiosk_base.masking import mask_name as mask_name
from kiosk_base.masking import mask_phone as mask_phone

mask_id = mask_id_number
