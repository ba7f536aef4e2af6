"""Resident ID card readers (GA/T 467 over a serial line) and their simulator."""
