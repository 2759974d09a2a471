"""Solution certificates: checks of a plan evaluated from the input tables, not the model."""
