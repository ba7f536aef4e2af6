"""The UI-agnostic flow engine: services described as data, run step by step, headless."""
