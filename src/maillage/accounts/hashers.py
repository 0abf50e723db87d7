"""Password hashing: Argon2id with OWASP's recommended parameters.

Django's defaults (100 MiB of memory, 8 lanes) cost 365–730 ms of CPU per login on a 2-core server, which
the load test (`bench/load.py`) showed queueing every other request behind logins. OWASP's Password Storage
Cheat Sheet recommends Argon2id with at least 19 MiB, 2 iterations and 1 lane: several times cheaper, still
memory-hard. Passwords hashed with other parameters are re-hashed with these at their owner's next login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
