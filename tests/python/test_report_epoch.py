"""powertrain_meter.report_epoch and `powertrain regime --exec` around a
Python trainer that uses it (scripted accuracies: no torch), and
examples/pytorch/train.py without PyTorch."""
import os
import sqlite3
import subprocess
import sys
import textwrap

from conftest import SOURCE_DIR, need_env

TRAINER = textwrap.dedent('''
    import os, sys, time
    from powertrain_meter import report_epoch
    bs, lr, log = sys.argv[1], sys.argv[2], sys.argv[3]
    accs = {"16": [0.5, 0.85, 0.84, 0.83, 0.83, 0.83], "32": [0.3, float("nan")]}[bs]
    for e, a in enumerate(accs, 1):
        time.sleep(0.3)
        with open(log, "a") as f:  # logged before it is reported: powertrain may end it right after
            f.write("done %s %d\\n" % (bs, e))
        assert report_epoch(e, val_acc=a, val_loss=1.0 if a == a else a) is True
''')


def run_py(code, env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)


def test_outside_powertrain_does_nothing():
    env = dict(os.environ)
    env.pop("POWERTRAIN_MARKS", None)
    r = run_py("from powertrain_meter import report_epoch; print(report_epoch(1, val_acc=0.5))", env)
    assert r.returncode == 0 and r.stdout.strip() == "False"


def test_writes_the_marks_line(tmp_path):
    marks = tmp_path / "marks"
    env = dict(os.environ, POWERTRAIN_MARKS=str(marks))
    r = run_py("from powertrain_meter import report_epoch\n"
               "report_epoch(3, val_acc=0.83, val_loss=0.41)\n"
               "report_epoch(4, val_acc=float('nan'))\n"
               "report_epoch(5)\n", env)
    assert r.returncode == 0, r.stderr
    assert marks.read_text() == "epoch_end 3 val_acc=0.83 val_loss=0.41\nepoch_end 4 val_acc=nan\nepoch_end 5\n"
    r = run_py("from powertrain_meter import report_epoch; report_epoch(0, val_acc=0.5)", env)
    assert r.returncode == 1 and "epoch numbers start at 1" in r.stderr


def test_regime_exec_around_python(tmp_path):
    pt = need_env("PT_POWERTRAIN_BIN")
    script = tmp_path / "trainer.py"
    script.write_text(TRAINER)
    log = tmp_path / "log"
    db = tmp_path / "r.db"
    r = subprocess.run([pt, "regime", "--db", str(db), "--batch-sizes", "16,32", "--lrs", "0.01",
                        "--repeats", "1", "--patience", "2", "--max-epochs", "6", "--grace", "2", "--quiet",
                        "--exec", "--", sys.executable, str(script), "{batch_size}", "{lr}", str(log)],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(str(db)) as c:
        runs = dict(c.execute("SELECT batch_size, status || ' ' || epochs FROM runs").fetchall())
    assert runs == {16: "done 4", 32: "diverged 2"}
    done16 = [line for line in log.read_text().split("\n") if line.startswith("done 16 ")]
    assert done16[-1] == "done 16 4"  # stopped by powertrain before epoch 5 ended


def test_pytorch_example_without_torch():
    example = SOURCE_DIR / "examples" / "pytorch" / "train.py"
    r = subprocess.run([sys.executable, str(example), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--batch-size" in r.stdout and "--seed" in r.stdout
    hide = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = [%r, '--epochs', '1'];"
            "runpy.run_path(%r, run_name='__main__')" % (str(example), str(example)))
    r = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "apt-get install python3-torch" in r.stderr and "Traceback" not in r.stderr
