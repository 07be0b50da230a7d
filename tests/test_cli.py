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
    r = blawk_cmd("-e", "(define x 1) nil")
    assert (r.returncode, r.stdout) == (0, "")
    r = blawk_cmd("-e", '(print "hello")')
    assert (r.returncode, r.stdout) == (0, "hello\n")
    r = blawk_cmd("-e", "'(a \"b\" 1.5)")
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
    r = blawk_cmd("run", "-", stdin="(* a 5)\n")
    assert r.returncode == 1 and r.stderr.startswith("<stdin>:1:4: unknown name 'a'")


def test_run_the_example() -> None:
    example = ROOT / "examples" / "annualised_returns.blawk"
    if not example.exists() or not (ROOT / "examples" / "data" / "prices.csv").exists():
        pytest.skip("example not present")
    r = blawk_cmd("run", str(example.relative_to(ROOT)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Column(")


def test_version() -> None:
    r = blawk_cmd("--version")
    assert (r.returncode, r.stdout) == (0, f"blawk {blawk.__version__}\n")


def test_usage_errors_exit_2() -> None:
    r = blawk_cmd("--no-such-option")
    assert r.returncode == 2 and "usage: blawk" in r.stderr and r.stdout == ""
    r = blawk_cmd("-e", "1", "run", "x.blawk")
    assert r.returncode == 2 and "either -e EXPR or a command" in r.stderr
    r = blawk_cmd("-e", "1", "--set", "novalue")
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
