"""The SIP side: a registrar and call handler for softphones, on UDP and TCP, in the emulator's own event loop.

``server.SipServer`` is the entry point. Messages are parsed by aiosipua (``message``), checked and answered here.
"""
