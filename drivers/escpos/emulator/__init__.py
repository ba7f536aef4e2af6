"""A simulated ESC/POS printer: parser, paper roll renderer and the pty front end."""
