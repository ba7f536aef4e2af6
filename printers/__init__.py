"""printers package."""
