"""The emulated request chain: headers, journal, auth, quota, faults, one plain ASGI class each."""
