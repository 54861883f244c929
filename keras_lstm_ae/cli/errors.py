"""How a command ends when it cannot finish: the program's name, the one error
it tells in one line (not a traceback), and the status of an interrupted run."""

PROGRAM = "keras-lstm-ae"

# Exit status of a program stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class CommandError(Exception):
    """A problem with the command's input, told to the user in one line."""
