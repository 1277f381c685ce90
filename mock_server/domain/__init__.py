"""State and rules of the emulated platform: no HTTP here, time from an injected clock."""
