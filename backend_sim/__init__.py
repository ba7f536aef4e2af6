"""backend_sim package."""
