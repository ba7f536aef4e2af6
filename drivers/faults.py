"""Moved to :mod:`kiosk_base.faults` (the bottom layer); kept so old imports still work."""

from kiosk_base.faults import FaultInjectable as FaultInjectable
from kiosk_base.faults import FaultSet as FaultSet
