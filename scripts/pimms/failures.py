"""What a `pimms` command can fail with, and the exit status each gives (argparse gives 2 for bad usage)."""


class Failure(Exception):
    """The command was understood and could not be done: refused by a service, a corrupt archive, a
    service unhealthy. The message says why in plain words."""

    status = 1


class Unreachable(Failure):
    """The stack (its broker, a service, a database) could not be reached or did not answer: running the
    same command again later may work."""

    status = 3
