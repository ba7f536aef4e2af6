"""Flatbed and feeder scanners driven through SANE's ``scanimage``."""
