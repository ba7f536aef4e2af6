"""The kiosk's Qt UI. The only package that imports Qt."""
