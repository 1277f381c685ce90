"""External scripts that run: parse and check against the Script Reference, fetch safely, simulate a call."""
