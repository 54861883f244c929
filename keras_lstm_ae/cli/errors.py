"""The one error the command line tells its user in one line, not a traceback."""


class CommandError(Exception):
    """A problem with the command's input, told to the user in one line."""
