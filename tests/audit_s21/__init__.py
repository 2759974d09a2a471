"""Session 21 audits: independent formulations against evplan."""
