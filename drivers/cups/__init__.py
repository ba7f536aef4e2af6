"""A4 document printers through CUPS, and their in-process simulator."""
