"""The blawk command, run as a subprocess (and in-process for the internal-error path)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON

import blawk
from blawk import cli

ROOT = Path(__file__).resolve().parents[1]


def blawk_cmd(*args: str, stdin: str | None = None,
              cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PYTHON, "-m", "blawk.cli", *args], capture_output=True,
                          text=True, input=stdin, cwd=cwd, timeout=120)


def inproc(*args: str) -> subprocess.CompletedProcess[str]:
    """Run blawk in this process (what the subprocess tests check, minus the start-up)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as e:  # argparse usage errors
            code = int(e.code or 0)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def test_eval_prints_a_number() -> None:
    r = blawk_cmd("-e", "(+ 1 2)")
    assert (r.returncode, r.stdout, r.stderr) == (0, "3.0\n", "")


def test_eval_prints_a_column() -> None:
    if not (ROOT / "examples" / "data" / "prices.csv").exists():
        pytest.skip("sample data not present")
    r = blawk_cmd("-e", '(-> (load-csv "examples/data/prices.csv") (col "px") (dlog 1) (* 252))')
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Column(float64, n=")
    assert r.stdout.count("\n") == 1


def test_eval_nil_prints_nothing_and_print_prints_once() -> None:
    r = inproc("-e", "(define x 1) nil")
    assert (r.returncode, r.stdout) == (0, "")
    r = blawk_cmd("-e", '(print "hello")')
    assert (r.returncode, r.stdout) == (0, "hello\n")
    r = inproc("-e", "'(a \"b\" 1.5)")
    assert r.stdout == '(a "b" 1.5)\n'


def test_set_bindings() -> None:
    r = blawk_cmd("-e", "(list (* x 2) name big)", "--set", "x=21", "--set", "name=px",
                  "--set", "big=1e3")
    assert (r.returncode, r.stdout) == (0, '(42.0 "px" 1000.0)\n')


@pytest.mark.parametrize(("source", "first_line", "caret_col"), [
    ("(+ 1 (* 2 3)", "<expr>:1:1: unclosed '(': expected ')' before the end of the input", 1),
    ("(+ 1 2))", "<expr>:1:8: unexpected ')': no list is open", 8),
    ("(dlgo 1 2)", "<expr>:1:2: unknown function 'dlgo'; did you mean dlog?", 2),
    ("(dlog 1 2 3)", "<expr>:1:1: dlog: expects at most 2 argument(s), got 3; "
                     "signature (dlog x lag=1 :obs nil)", 1),
    ('(log "px")', "<expr>:1:1: log: x must be a column or a number, got a string 'px'; "
                    "signature (log x)", 1),
    ('"open', "<expr>:1:1: unterminated string: '\"' without a closing '\"'", 1),
])
def test_bad_input_is_a_short_message(source: str, first_line: str, caret_col: int) -> None:
    r = blawk_cmd("-e", source)
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines == [first_line, "    " + source, "    " + " " * (caret_col - 1) + "^"]


def test_traceback_on_request() -> None:
    r = blawk_cmd("--traceback", "-e", "(dlgo 1)")
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "UnknownName" in r.stderr


def test_run_a_file(tmp_path: Path) -> None:
    script = tmp_path / "job.blawk"
    script.write_text("; a job\n(define y (* x 3))\n(print 'start)\n(+ y 1)\n")
    r = blawk_cmd("run", str(script), "--set", "x=2")
    assert (r.returncode, r.stdout, r.stderr) == (0, "start\n7.0\n", "")


def test_run_reports_errors_with_the_file_name(tmp_path: Path) -> None:
    script = tmp_path / "bad.blawk"
    script.write_text("(define x 1)\n(+ x\n   (undefined-op x))\n")
    r = blawk_cmd("run", str(script))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{script}:3:5: unknown function 'undefined-op'",
        "       (undefined-op x))",
        "        ^",
    ]


def test_run_missing_file_and_stdin() -> None:
    r = blawk_cmd("run", "no/such/file.blawk")
    assert r.returncode == 1
    assert r.stderr == "cannot read 'no/such/file.blawk': No such file or directory\n"
    r = blawk_cmd("run", "-", stdin="(define a 2)\n(* a 5)\n")
    assert (r.returncode, r.stdout) == (0, "10.0\n")
    r = inproc("run", "no/such/dir/")
    assert r.returncode == 1 and r.stderr.startswith("cannot read 'no/such/dir/'")


def test_version() -> None:
    r = blawk_cmd("--version")
    assert (r.returncode, r.stdout) == (0, f"blawk {blawk.__version__}\n")


def test_usage_errors_exit_2() -> None:
    r = blawk_cmd("--no-such-option")
    assert r.returncode == 2 and "usage: blawk" in r.stderr and r.stdout == ""
    r = inproc("-e", "1", "run", "x.blawk")
    assert r.returncode == 2 and "either -e EXPR or a command" in r.stderr
    r = inproc("-e", "1", "--set", "novalue")
    assert r.returncode == 2 and "expected NAME=VALUE" in r.stderr
    assert "Traceback" not in r.stderr


def test_internal_errors_suggest_traceback(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from blawk.lang import Environment

    def boom(self: Environment, source: str, *, filename: str = "") -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(Environment, "eval", boom)
    assert cli.main(["-e", "1"]) == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err
    assert "--traceback" in err and "Traceback" not in err
    assert cli.main(["--traceback", "-e", "1"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["-e", "(* 6 7)"]) == 0
    assert capsys.readouterr().out == "42.0\n"
    assert cli.main(["-e", "(nope)"]) == 1
    assert capsys.readouterr().err.startswith("<expr>:1:2: unknown function 'nope'")


@pytest.mark.parametrize(("text", "value"), [
    ("5", 5), ("-2.5", -2.5), ("1e3", 1000.0), ("inf", float("inf")), ("px", "px"),
    ("1.2.3", "1.2.3"), ("", ""), (" 7 ", 7),
])
def test_parse_value(text: str, value: object) -> None:
    got = cli.parse_value(text)
    assert got == value and type(got) is type(value)


# ------------------------------------------------------------------ ops


def test_ops_lists_every_registry_op() -> None:
    from blawk import registry

    r = blawk_cmd("ops")
    assert r.returncode == 0, r.stderr
    for spec in registry.OPS.values():
        assert spec.signature() in r.stdout
        for alias in spec.aliases:
            assert alias in r.stdout
    assert r.stdout.endswith(f"\n{len(registry.OPS)} operations\n")
    assert "(dlog x lag=1" in r.stdout and "Log return" in r.stdout


def test_ops_json() -> None:
    import json

    from blawk import registry

    r = inproc("ops", "--json")
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)
    assert {x["name"] for x in records} == set(registry.OPS)
    dlog = next(x for x in records if x["name"] == "dlog")
    assert dlog["signature"] == registry.lookup("dlog").signature()
    assert dlog["kind"] == "lag" and dlog["doc"].startswith("Log return")
    assert dlog["params"][0]["name"] == "lag" and dlog["params"][0]["default"] == 1
    mul = next(x for x in records if x["name"] == "*")
    assert mul["aliases"] == ["mul"]


# ------------------------------------------------------------------ verify


def _csv(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_verify_equal_tables(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "date,x,y\n2024-01-01,1.5,NA\n2024-01-02,nan,inf\n"
                                 "2024-01-03,-inf,2\n")
    b = _csv(tmp_path / "b.csv", "date,x,y\n2024-01-01,1.5,\n2024-01-02,nan,inf\n"
                                 "2024-01-03,-inf,2.0\n")
    r = blawk_cmd("verify", a, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        f"compared {a} and {b}: 3 rows, 3 columns (2 numeric)",
        "max difference: 0 (column x, row 2: 1.5 vs 1.5); max relative difference 0",
        "equal (atol=0, rtol=0)",
    ]


def test_verify_tolerances_and_mismatches(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "x,y\n1.0,10\n2.0,NA\n3.0,inf\n4.0,nan\n5.0,1\n")
    b = _csv(tmp_path / "b.csv", "x,y\n1.0000001,10\n2.0,7\n3.0,-inf\n4.0,1\n5.0,1\n")
    r = inproc("verify", a, b)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[1] == ("max difference: 1e-07 (column x, row 2: 1.0 vs 1.0000001); "
                        "max relative difference 1e-07")
    assert lines[2] == "MISMATCH: 4 values differ (atol=0, rtol=0); the first 4:"
    assert lines[3:] == [
        "  row 2, x: 1.0 vs 1.0000001  (diff 1e-07)",
        "  row 3, y: null vs 7.0",
        "  row 4, y: inf vs -inf",
        "  row 5, y: nan vs 1.0",
    ]
    r = inproc("verify", a, b, "--rtol", "1e-6", "--show", "1")
    assert r.returncode == 1 and "MISMATCH: 3 values differ (atol=0, rtol=1e-06); the first 1:" \
        in r.stdout and r.stdout.count("  row ") == 1
    c = _csv(tmp_path / "c.csv", "x,y\n1.0,10\n2.0,NA\n3.0,inf\n4.0,nan\n5.0,1.05\n")
    r = inproc("verify", a, c, "--atol", "0.1")
    assert r.returncode == 0 and "equal (atol=0.1, rtol=0)" in r.stdout


def test_verify_headers_rows_and_files(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "x,y\n1,2\n")
    b = _csv(tmp_path / "b.csv", "x,z\n1,2\n")
    r = inproc("verify", a, b)
    assert r.returncode == 1 and r.stdout.startswith("MISMATCH: the headers differ\n")
    c = _csv(tmp_path / "c.csv", "x,y\n1,2\n3,4\n")
    r = inproc("verify", a, c)
    assert r.returncode == 1 and "has 1 rows" in r.stdout
    r = inproc("verify", a, str(tmp_path / "missing.csv"))
    assert r.returncode == 1 and r.stderr.startswith("verify: no such file:")
    r = inproc("verify", a, a, "--atol", "-1")
    assert r.returncode == 2 and "expected a finite number >= 0" in r.stderr


def test_verify_compares_text_columns_exactly(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "date,x\n2024-01-01,1\n2024-01-02,2\n")
    b = _csv(tmp_path / "b.csv", "date,x\n2024-01-01,1\n2024-01-03,2\n")
    r = inproc("verify", a, b)
    assert r.returncode == 1 and "  row 3, date: 2024-01-02 vs 2024-01-03" in r.stdout


# ------------------------------------------------------------------ selftest


def test_selftest_passes() -> None:
    r = inproc("selftest")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout and "log(0) = -inf" in r.stdout
    assert r.stdout.splitlines()[-1].startswith("selftest: ")
    float(r.stdout.split(" checks passed in ")[1].split(" s")[0])  # it says how long it took


def test_selftest_reports_a_tripped_wire(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    real = blawk.log

    def wrong_log(x: object) -> object:
        return real(x) * 0  # log(0) * 0 is NaN, not -inf

    monkeypatch.setattr(blawk, "log", wrong_log)
    assert cli.main(["selftest"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  log(0) = -inf" in out and "selftest FAILED" in out
