"""The bottom layer: the vocabulary every package of the kiosk shares.

- :mod:`kiosk_base.errors`: the device error kinds (``DeviceError`` and its subclasses,
  which card/, printers/ and drivers/ raise) and :class:`~kiosk_base.errors.UserFacingError`,
  the error a screen shows (a translation key).
- :mod:`kiosk_base.faults`: the fault-injection interface every simulator exposes.
- :mod:`kiosk_base.masking`: the one set of masking rules for personal data.

It imports nothing of the project; every other package may import it.
"""
