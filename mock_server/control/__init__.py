"""The control plane under ``/__admin``: it drives the emulator's state and owns none of its own."""
