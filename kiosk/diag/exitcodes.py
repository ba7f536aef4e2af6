"""Exit codes of kiosk-diag, shared by every subcommand."""

OK = 0
FAILED = 1
USAGE = 2
NO_MEDIA = 3
DEVICE_ERROR = 4
