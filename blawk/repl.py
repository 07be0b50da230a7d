"""The interactive REPL (``blawk`` with no arguments) and the stdin loop.

On a terminal: prompt_toolkit with a persistent history (``~/.blawk_history``,
or the file named by ``BLAWK_HISTORY``), completion of operation names,
bindings, special forms and keyword arguments (``:lag`` after ``(dlog``),
multi-line input until the parentheses balance, syntax highlighting, and the
commands ``:doc name``, ``:explain expr``, ``:time expr``, ``:env``, ``:help``,
``:quit``.  Results are shown for people: columns kdb style (type, length,
null count, first and last values), tables as a grid, long lists cut short.
An error prints its message and caret; the session and its bindings stay.

When standard input is not a terminal, :func:`run_stream` evaluates the forms
it reads and prints each value the same way (``echo '(+ 1 2)' | blawk``); it
stops at the first error with exit status 1, as a script does.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> s = Session(out=out, err=out)
    >>> s.handle("(define x 21)")
    True
    >>> s.handle("(* x 2)")
    True
    >>> out.getvalue()
    'x\\n42.0\\n'
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

from pygments.lexer import RegexLexer
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from .errors import BlawkError, ReadError

__all__ = ["BlawkLexer", "Completer", "Session", "history_path", "is_complete", "run",
           "run_stream"]

HISTORY_ENV = "BLAWK_HISTORY"
PROMPT = "blawk> "
CONTINUATION = "  ...> "
COMMANDS = {
    ":doc": ":doc name       the documentation of an operation, builtin, form or function",
    ":explain": ":explain expr  how a lazy expression will be computed (fused passes)",
    ":time": ":time expr     evaluate and compute expr, and say how long it took",
    ":env": ":env           the global bindings",
    ":help": ":help          this list",
    ":quit": ":quit          leave (also Ctrl-D)",
}
_WORD = re.compile(r"[^\s()\[\]{}\"';`,]*$")


def history_path() -> str:
    """Where the REPL keeps its history: $BLAWK_HISTORY, else ~/.blawk_history."""
    return os.environ.get(HISTORY_ENV) or os.path.join(os.path.expanduser("~"),
                                                       ".blawk_history")


def is_complete(text: str) -> bool:
    """Whether ``text`` is a whole entry (its lists and strings are closed), so that
    Enter evaluates it rather than starting a new line."""
    stripped = text.strip()
    if not stripped:
        return True
    if stripped.startswith(":"):
        cmd, _, rest = stripped.partition(" ")
        if cmd not in (":explain", ":time"):
            return True
        text = rest
    from .lang.reader import read

    try:
        read(text)
    except ReadError as e:
        m = e.message
        return not (m.startswith("unclosed") or m.startswith("unterminated")
                    or m.endswith("(end of input)"))
    return True


class Session:
    """The REPL without a terminal: evaluate entries, run commands, print results.

    The prompt_toolkit loop (:func:`run`) and the stdin loop
    (:func:`run_stream`) both feed it text.
    """

    def __init__(self, env: Any = None, out: Any = None, err: Any = None) -> None:
        from .lang import Environment

        self.env = env if env is not None else Environment()
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.env.stdout = self.out
        self.count = 0

    def handle(self, text: str) -> bool:
        """Evaluate one entry (or run a command); False when the user asks to quit."""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.startswith(":"):
            return self.command(stripped)
        self.evaluate(text)
        return True

    def evaluate(self, text: str, stop_on_error: bool = False) -> bool:
        """Evaluate every form of ``text``, printing each value; False after an error."""
        from .lang.reader import read

        self.count += 1
        try:
            forms = read(text, "<repl>" if not stop_on_error else "<stdin>")
            self.env._prepare()
            for k in range(len(forms)):
                self.env.last_printed = _NOTHING
                value = self.env.compute(self.env.run_toplevel(forms[k], forms, k))
                self.show(value)
        except BlawkError as e:
            self._flush()
            self.err.write(e.format() + "\n")
            return False
        except RecursionError:
            self._flush()
            self.err.write("expression nested too deeply to compute\n")
            return False
        except KeyboardInterrupt:
            self._flush()
            self.err.write("interrupted\n")
            return False
        except Exception as exc:  # noqa: BLE001 - a bug in blawk: say so, keep the session
            if stop_on_error:
                raise
            self._flush()
            self.err.write(f"blawk: internal error: {type(exc).__name__}: {exc}\n"
                           "blawk: this is a bug in blawk; the session goes on\n")
            return False
        return True

    def show(self, value: Any) -> None:
        """Print a result for people (nothing for nil or what print just wrote)."""
        from .lang.printer import summarize

        if value is None or value is self.env.last_printed:
            return
        self.out.write(summarize(value) + "\n")
        self._flush()

    def _flush(self) -> None:
        try:
            self.out.flush()
        except (AttributeError, ValueError):  # pragma: no cover
            pass

    def command(self, text: str) -> bool:
        """A ``:command``; False for :quit."""
        from .lang.builtins import describe, explain_text

        cmd, _, arg = text.partition(" ")
        arg = arg.strip()
        try:
            if cmd in (":quit", ":q", ":exit"):
                return False
            if cmd in (":help", ":h", ":?"):
                self.out.write("\n".join(COMMANDS.values()) + "\n")
            elif cmd == ":doc":
                if not arg:
                    self.err.write("usage: :doc name\n")
                else:
                    self.out.write(describe(arg, self.env) + "\n")
            elif cmd == ":explain":
                self.out.write(explain_text(self._lazy(arg)) + "\n")
            elif cmd == ":time":
                t0 = time.perf_counter()
                value = self.env.compute(self._lazy(arg))
                elapsed = time.perf_counter() - t0
                from .lang.evaluator import format_seconds

                self.show(value)
                self.out.write(f"time: {format_seconds(elapsed)}\n")
            elif cmd == ":env":
                self.out.write(self._env_text() + "\n")
            else:
                from .lang.evaluator import did_you_mean

                self.err.write(f"unknown command {cmd}{did_you_mean(cmd, COMMANDS)} "
                               "(:help lists them)\n")
        except BlawkError as e:
            self.err.write(e.format() + "\n")
        self._flush()
        return True

    def _lazy(self, text: str) -> Any:
        """The value of the forms in ``text``, not computed."""
        from .lang.reader import read

        if not text:
            raise BlawkError("expected an expression after the command")
        self.env._prepare()
        return self.env.run_forms(read(text, "<repl>"))

    def _env_text(self) -> str:
        from .lang.evaluator import _describe

        names = self.env.names()
        if not names:
            return "no global bindings"
        width = max(len(n) for n in names)
        return "\n".join(f"{n.ljust(width)}  {_describe(self.env[n])}" for n in names)


_NOTHING = object()


# ------------------------------------------------------------------ completion


class Completer:
    """prompt_toolkit completer: names (ops, builtins, forms, bindings), keyword
    arguments of the enclosing call, and :commands."""

    def __init__(self, env: Any) -> None:
        self.env = env

    def get_completions(self, document: Any, complete_event: Any = None) -> Iterable[Any]:
        from prompt_toolkit.completion import Completion

        for word, meta in self.candidates(document.text_before_cursor):
            yield Completion(word[0], start_position=-word[1], display_meta=meta)

    async def get_completions_async(self, document: Any,
                                    complete_event: Any = None) -> Any:  # pragma: no cover
        for c in self.get_completions(document, complete_event):
            yield c

    def candidates(self, before: str) -> list[tuple[tuple[str, int], str]]:
        """((completion, length of the word it replaces), kind) for the text before the
        cursor."""
        m = _WORD.search(before)
        word = m.group(0) if m else ""
        out: list[tuple[tuple[str, int], str]] = []
        if before.lstrip().startswith(":") and " " not in before.lstrip():
            return [((c, len(word)), "command") for c in COMMANDS if c.startswith(word)]
        if word.startswith(":"):
            for kw, meta in self._keywords(before[: len(before) - len(word)]):
                if kw.startswith(word):
                    out.append(((kw, len(word)), meta))
            return out
        if not word:
            return []
        for name in self.env.completions():
            if name.startswith(word):
                out.append(((name, len(word)), self._kind(name)))
        return out

    def _kind(self, name: str) -> str:
        from .lang.evaluator import BUILTINS, CONSTANTS, SPECIAL_FORMS
        from .lang.forms import Symbol

        sym = Symbol(name)
        if sym in self.env.globals:
            return getattr(self.env.globals[sym], "blawk_kind", None) or "variable"
        if sym in SPECIAL_FORMS:
            return "special form"
        if sym in BUILTINS:
            return "builtin"
        if sym in CONSTANTS:
            return "constant"
        spec = self.env.lookup_op(name)
        return f"{spec.kind} op" if spec is not None else ""

    def _keywords(self, before: str) -> list[tuple[str, str]]:
        """Keyword arguments of the innermost open call in ``before``."""
        head = _open_call_head(before)
        if head is None:
            return []
        from .lang.evaluator import Lambda, Macro
        from .lang.forms import Symbol

        value = self.env.globals.get(Symbol(head))
        if isinstance(value, (Lambda, Macro)):
            fn = value.fn if isinstance(value, Macro) else value
            p = fn.info.params
            names = [s.name for s in (*p.required, *(o[0] for o in p.optional),
                                      *(k[0] for k in p.keys))]
            return [(":" + n, f"{head} parameter") for n in names]
        spec = self.env.lookup_op(head)
        if spec is None:
            return []
        return [(":" + p.name.replace("_", "-"), f"{spec.name} parameter")
                for p in spec.params]


def _open_call_head(text: str) -> str | None:
    """The head symbol of the innermost list still open at the end of ``text``."""
    depth = 0
    i = len(text) - 1
    while i >= 0:
        c = text[i]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth == 0:
                m = re.match(r"[^\s()\[\]{}\"';`,]+", text[i + 1:])
                return m.group(0) if m and c == "(" else None
            depth -= 1
        i -= 1
    return None


# ------------------------------------------------------------------ highlighting


_SYM = r"[^\s()\[\]{}\"';`,#:][^\s()\[\]{}\"';`,]*"


def _symbol(lexer: Any, match: Any) -> Any:
    word = match.group(0)
    yield match.start(), _symbol_token(word), word


class BlawkLexer(RegexLexer):
    """Pygments lexer for blawk source: special forms as keywords, operations and
    builtins as builtins, numbers, strings, :keywords, comments (also #| |#)."""

    name = "blawk"
    aliases = ["blawk"]
    filenames = ["*.blawk"]
    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r";.*?$", Comment.Single),
            (r"#\|", Comment.Multiline, "block"),
            (r'"(\\.|[^"\\])*"?', String),
            (r"[()\[\]]", Punctuation),
            (r",@|[',`]", Operator),
            (r":[^\s()\[\]{}\"';`,]+", Name.Tag),
            (r"#(t|f|true|false)(?=[\s()\[\]\"';`,]|$)", Keyword.Constant),
            (_SYM, _symbol),
            (r".", Text),
        ],
        "block": [
            (r"#\|", Comment.Multiline, "#push"),
            (r"\|#", Comment.Multiline, "#pop"),
            (r"[^#|]+", Comment.Multiline),
            (r"[#|]", Comment.Multiline),
        ],
    }


_NUMBER_RE = re.compile(
    r"[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?$")
_NAMES: dict[str, set[str]] = {}


def _symbol_token(word: str) -> Any:
    if _NUMBER_RE.match(word):
        return Number
    if not _NAMES:
        from . import registry
        from .lang.evaluator import BUILTINS, CONSTANTS, SPECIAL_FORMS

        _NAMES["special"] = {s.name for s in SPECIAL_FORMS}
        _NAMES["builtin"] = {s.name for s in BUILTINS} | set(registry.names())
        _NAMES["constant"] = {s.name for s in CONSTANTS}
    if word in _NAMES["special"]:
        return Keyword
    if word in _NAMES["constant"]:
        return Keyword.Constant
    if word in _NAMES["builtin"]:
        return Name.Builtin
    return Name.Variable


# ------------------------------------------------------------------ the loops


def run(env: Any = None) -> int:
    """The interactive REPL on the terminal; returns the exit status (0)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer as PTCompleter
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer

    session = Session(env)

    class _PTCompleter(PTCompleter):
        def __init__(self) -> None:
            self.inner = Completer(session.env)

        def get_completions(self, document: Any, complete_event: Any) -> Iterable[Any]:
            return self.inner.get_completions(document, complete_event)

    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event: Any) -> None:
        buf = event.current_buffer
        if buf.complete_state is not None and buf.complete_state.current_completion:
            buf.apply_completion(buf.complete_state.current_completion)
            return
        if is_complete(buf.text):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    history = _history()
    prompt = PromptSession(
        message=PROMPT, multiline=True, key_bindings=kb, history=history,
        completer=_PTCompleter(), complete_while_typing=False,
        lexer=PygmentsLexer(BlawkLexer),
        prompt_continuation=lambda width, line, wrap: CONTINUATION,
        enable_history_search=True,
    )
    from . import __version__

    print(f"blawk {__version__}  (:help for commands, Ctrl-D to leave)")
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not session.handle(text):
            break
    return 0


def _history() -> Any:
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_path()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError:
        print(f"blawk: cannot write the history file {path}; history is not kept",
              file=sys.stderr)
        return InMemoryHistory()
    return FileHistory(path)


def run_stream(env: Any, stream: Any) -> int:
    """Evaluate the forms of ``stream`` (stdin that is not a terminal), printing each
    value as the REPL does; exit status 1 at the first error."""
    session = Session(env)
    text = stream.read()
    if text.lstrip().startswith(":"):  # REPL commands, one per line
        for line in text.splitlines():
            if line.strip().startswith(":"):
                if not session.command(line.strip()):
                    return 0
            elif line.strip() and not session.evaluate(line, stop_on_error=True):
                return 1
        return 0
    return 0 if session.evaluate(text, stop_on_error=True) else 1
