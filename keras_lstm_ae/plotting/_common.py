"""What every plot needs: matplotlib, imported when a plot is made, and an axes."""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("Plotting needs matplotlib: pip install matplotlib") from exc
    return plt


def _get_ax(ax):
    if ax is None:
        ax = _pyplot().subplots()[1]
    return ax
