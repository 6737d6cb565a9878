"""Whether an address stays on this machine: what is safe to serve or send in the clear.

The analyst app listens on loopback unless told otherwise, and the Lengow credentials may cross
plain http:// only to a server on this machine (the twin); both ask the same question.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for `localhost` and any loopback IP address (127.0.0.0/8, ::1)."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
