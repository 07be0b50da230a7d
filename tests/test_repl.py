"""The REPL: driven through a pseudo-terminal (prompt_toolkit), its session logic,
completion, highlighting, and the stdin loop."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import PYTHON

import blawk
from blawk import repl
from blawk.lang import Environment

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Z0-9]|[=>])")


class Pty:
    """A blawk REPL on a pseudo-terminal."""

    def __init__(self, history: Path) -> None:
        import pty

        env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1",
                   BLAWK_HISTORY=str(history), COLUMNS="100", LINES="40")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.chdir(ROOT)
            os.execvpe(PYTHON[0], [*PYTHON, "-m", "blawk.cli"], env)
        self.seen = ""

    def expect(self, pattern: str, timeout: float = 20.0) -> str:
        """Read until ``pattern`` (a regex) appears in the text (escapes removed)."""
        end = time.time() + timeout
        raw = b""
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                raw += chunk
                text = ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")
                m = re.search(pattern, text)
                if m:
                    self.seen += text
                    return text
        text = ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")
        raise AssertionError(f"did not see {pattern!r}; got:\n{text}")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait(self) -> int:
        end = time.time() + 20
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                select.select([self.fd], [], [], 0.05)
                os.read(self.fd, 65536)
            except OSError:
                time.sleep(0.02)
        os.kill(self.pid, 9)
        raise AssertionError("the REPL did not exit")


PROMPT = r"blawk>\s*$"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_repl_through_a_pseudo_terminal(tmp_path: Path) -> None:
    history = tmp_path / "hist"
    t = Pty(history)
    t.expect(r"blawk " + re.escape(blawk.__version__) + r" .*\n.*" + PROMPT)
    # multi-line input: Enter inside an open list starts a new line
    t.send("(define px (+ 1\r")
    t.expect(r"\.\.\.>\s*$")
    t.send("2))\r")
    out = t.expect(PROMPT)
    assert "px\n" in out
    t.send("(* px 10)\r")
    assert "30.0" in t.expect(PROMPT)
    # an error shows the caret; the session and its bindings stay
    t.send("(+ px (nope))\r")
    out = t.expect(PROMPT)
    assert "<repl>:1:8: unknown function 'nope'" in out and "       ^" in out
    t.send("px\r")
    assert "3.0" in t.expect(PROMPT)
    # columns kdb style
    t.send('(define x (column 1 nil 3)) (* x 2)\r')
    out = t.expect(PROMPT)
    assert "float64[3] 1 null\n2 null 6" in out
    # completion of an op name with Tab
    t.send("(dlo\t")
    t.expect(r"\(dlog")
    t.send(" x 1)\r")
    assert "float64[3] 3 nulls" in t.expect(PROMPT)
    t.send(":doc dlog\r")
    assert "Log return" in t.expect(PROMPT)
    t.send(":time (* x 2)\r")
    assert re.search(r"time: [0-9.]+ (us|ms|s)\n", t.expect(PROMPT))
    t.send(":explain (-> x (dlog 1) (* 252))\r")
    assert "pass" in t.expect(PROMPT)
    t.send(":quit\r")
    assert t.wait() == 0
    saved = history.read_text()
    assert "+(define px (+ 1\n+2))" in saved and "+:quit" in saved


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_history_is_kept_between_sessions(tmp_path: Path) -> None:
    history = tmp_path / "hist"
    history.write_text("\n# 2024-01-01 00:00:00\n+(* 6 7)\n")
    t = Pty(history)
    t.expect(PROMPT)
    t.send("\x1b[A")  # up arrow: the last entry of the previous session
    t.expect(r"\(\* 6 7\)")
    t.send("\r")
    assert "42.0" in t.expect(PROMPT)
    t.send("\x04")  # Ctrl-D leaves
    assert t.wait() == 0


# ------------------------------------------------------------------ the session


def session() -> tuple[repl.Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return repl.Session(Environment(), out=out, err=err), out, err


def test_session_evaluates_and_keeps_bindings_after_errors() -> None:
    s, out, err = session()
    assert s.handle("(define a 2)")
    assert s.handle("(+ a nope)")
    assert err.getvalue() == ("<repl>:1:6: unknown name 'nope'\n"
                              "    (+ a nope)\n"
                              "         ^\n")
    assert s.handle("(* a 21) (print 'once) nil")
    assert out.getvalue() == "a\n42.0\nonce\n"
    assert s.handle("") and not s.handle(":quit")


def test_session_survives_internal_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    s, out, err = session()
    s.env["boom"] = lambda: 1 / 0  # a Python callable that fails: a bug, not the user's
    s.handle("(boom)")
    assert "internal error: ZeroDivisionError" in err.getvalue()
    s.handle("(+ 1 1)")
    assert out.getvalue() == "2.0\n"


def test_session_commands() -> None:
    s, out, err = session()
    s.handle(":help")
    assert ":doc name" in out.getvalue() and ":quit" in out.getvalue()
    s.handle(":doc mavg")
    assert "(mavg x window=20" in out.getvalue()
    s.handle(":doc nosuch")
    assert "doc: nothing called 'nosuch'" in err.getvalue()
    s.handle(":bogus")
    assert "unknown command :bogus" in err.getvalue()
    s.handle("(define y (column 1 2 3))")
    s.handle(":env")
    assert "y  Column(float64, n=3" in out.getvalue()
    s.handle(":explain (dlog y 1)")
    assert "dlog" in out.getvalue()


def test_results_are_summarised() -> None:
    s, out, _ = session()
    s.env["big"] = np.arange(10_000.0)
    s.handle("big")
    assert out.getvalue() == "float64[10000] 0 nulls\n0 1 2 3 4 ... 9995 9996 9997 9998 9999\n"
    out.truncate(0)
    out.seek(0)
    s.handle("(map (lambda (i) i) (list " + " ".join(map(str, range(100))) + "))")
    text = out.getvalue()
    assert text.startswith("(0 1 2") and "100 items, 60 not shown" in text
    assert len(text) < 400


def test_is_complete() -> None:
    for text in ["", "(+ 1 2)", "x", ":doc dlog", ":time (+ 1 2)", "(+ 1 2))", "1.2.3",
                 '"s"', "#| c |# 1"]:
        assert repl.is_complete(text), text
    for text in ["(+ 1", "(a [b", '"open', "#| open", "'", ":time (+ 1", "(a\n  (b"]:
        assert not repl.is_complete(text), text


def test_completion() -> None:
    env = Environment()
    env.eval("(define prices 1) (defun scale (x &key (factor 2)) x)")
    c = repl.Completer(env)

    def words(text: str) -> list[str]:
        return [w for (w, _), _ in c.candidates(text)]

    assert "dlog" in words("(dlo")
    assert "prices" in words("(+ pri")
    assert "defmacro" in words("(defm")
    assert words("(dlog px :l") == [":lag"]
    assert ":window" in words("(mavg px (+ 1 2) :")
    assert words("(scale 1 :f") == [":factor"]
    assert ":doc" in words(":d")
    assert words("(") == []
    kinds = dict((w, k) for (w, _), k in c.candidates("(d"))
    assert kinds["dlog"] == "lag op" and kinds["define"] == "special form"
    from prompt_toolkit.document import Document

    got = list(c.get_completions(Document("(mav"), None))
    assert any(x.text == "mavg" and x.start_position == -3 for x in got)


def test_highlighting() -> None:
    from pygments.token import Comment, Keyword, Name, Number, String

    toks = [(t, v) for t, v in repl.BlawkLexer().get_tokens(
        '(define r (dlog px :lag 1)) ; c\n#| b |# "s" nil') if v.strip()]
    assert (Keyword, "define") in toks and (Name.Builtin, "dlog") in toks
    assert (Name.Variable, "px") in toks and (Name.Tag, ":lag") in toks
    assert (Number, "1") in toks and (Comment.Single, "; c") in toks
    assert (Comment.Multiline, "#|") in toks and (String, '"s"') in toks
    assert (Keyword.Constant, "nil") in toks


def test_history_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAWK_HISTORY", "/tmp/x-history")
    assert repl.history_path() == "/tmp/x-history"
    monkeypatch.delenv("BLAWK_HISTORY")
    assert repl.history_path() == os.path.join(os.path.expanduser("~"), ".blawk_history")


# ------------------------------------------------------------------ not a terminal


def blawk_stdin(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PYTHON, "-m", "blawk.cli"], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_forms_from_stdin() -> None:
    r = blawk_stdin("(+ 1 2)\n")
    assert (r.returncode, r.stdout, r.stderr) == (0, "3.0\n", "")
    r = blawk_stdin("(define a 1)\n(+ a (nope))\n(print 'never)\n")
    assert r.returncode == 1 and r.stdout == "a\n"
    assert r.stderr.startswith("<stdin>:2:7: unknown function 'nope'")


def test_stream_loop(capsys: pytest.CaptureFixture[str]) -> None:
    assert repl.run_stream(Environment(), io.StringIO(
        "(define c (column 1 2))\n(print 'hi)\n(* c 2)\n")) == 0
    assert capsys.readouterr().out == "c\nhi\nfloat64[2] 0 nulls\n2 4\n"
    assert repl.run_stream(Environment(), io.StringIO(":doc dlog\n(+ 1 1)\n:quit\n3")) == 0
    out = capsys.readouterr().out
    assert "Log return" in out and out.endswith("2.0\n")

