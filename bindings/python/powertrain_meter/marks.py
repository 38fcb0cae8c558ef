"""marks.py -- epochs reported to powertrain through its marks FIFO.

When a trainer runs under `powertrain measure` or a study's `--exec`,
POWERTRAIN_MARKS names a FIFO that powertrain reads: each line
`epoch_end N val_acc=A val_loss=L` ends epoch N (its energy window) with its
validation metrics, which the study's early stopping watches. Outside
powertrain the variable is unset and report_epoch does nothing, so a script
can call it unconditionally.
"""
import math
import os

__all__ = ["report_epoch"]

_fifo = None


def _open():
    global _fifo
    path = os.environ.get("POWERTRAIN_MARKS")
    if not path:
        return None
    if _fifo is None:
        # line buffered: each mark reaches powertrain when it is written
        _fifo = open(path, "w", buffering=1)
    return _fifo


def _num(name, v):
    v = float(v)
    # a NaN or infinite metric is sent as nan: powertrain ends the run as diverged
    return "%s=%s" % (name, repr(v) if math.isfinite(v) else "nan")


def report_epoch(n, val_acc=None, val_loss=None):
    """Ends epoch n (1-based) with its validation accuracy (0..1) and loss.

    Returns True when the line was written to powertrain's marks FIFO, False
    when not running under powertrain (nothing is done).
    """
    f = _open()
    if f is None:
        return False
    n = int(n)
    if n < 1:
        raise ValueError("report_epoch: epoch numbers start at 1, got %d" % n)
    parts = ["epoch_end %d" % n]
    if val_acc is not None:
        parts.append(_num("val_acc", val_acc))
    if val_loss is not None:
        parts.append(_num("val_loss", val_loss))
    f.write(" ".join(parts) + "\n")
    f.flush()
    return True
