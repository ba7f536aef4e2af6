"""kiosk-diag: diagnostics for technicians and tests (no Qt)."""
