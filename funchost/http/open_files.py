"""The process's open-file limit (RLIMIT_NOFILE): raised from the soft to the hard limit when the host starts.

Every connection is a descriptor. Many systems start processes with a soft limit of 1,024 and a much higher hard
limit; servers raise the soft one at start (nginx's worker_rlimit_nofile, Go's runtime since 1.19), and so does the
host, which then caps its connections below the result (`server_limits.connection_cap`).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("funchost.http")
_UNLIMITED = 1 << 20  # an unlimited hard limit: raise to Linux's default fs.nr_open
_WITHOUT_LIMITS = 8192  # where the platform has no RLIMIT_NOFILE: the budget assumed for connections


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit if the system allows it; return the soft limit in force."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return _WITHOUT_LIMITS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return _UNLIMITED
    target = _UNLIMITED if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            logger.warning("could not raise the open-file limit from %d to %d (%s)", soft, target, exc)
            return soft
        logger.debug("open-file limit raised from %d to %d", soft, target)
        return target
    return soft
