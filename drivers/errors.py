"""Moved to :mod:`kiosk_base.errors` (the bottom layer); kept so old imports still work."""

from kiosk_base.errors import ConfigError as ConfigError
from kiosk_base.errors import DeviceBusyError as DeviceBusyError
from kiosk_base.errors import DeviceError as DeviceError
from kiosk_base.errors import DeviceNotOpenError as DeviceNotOpenError
from kiosk_base.errors import DeviceOfflineError as DeviceOfflineError
from kiosk_base.errors import DeviceTimeoutError as DeviceTimeoutError
from kiosk_base.errors import HardwareError as HardwareError
from kiosk_base.errors import MediaError as MediaError
from kiosk_base.errors import NoDeviceError as NoDeviceError
from kiosk_base.errors import ProtocolError as ProtocolError
from kiosk_base.errors import UnknownFaultError as UnknownFaultError
from kiosk_base.errors import UserFacingError as UserFacingError
