"""Citizen / social-security cards through PC/SC (pyscard), the vpcd card emulation link
and the simulated reader."""
