"""ESC/POS thermal receipt printers: driver, layout, status and the pty simulator."""
