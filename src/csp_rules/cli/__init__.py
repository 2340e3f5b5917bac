"""The ``csp-rules`` command line (also ``python -m csp_rules``).

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``handler`` (a function of the parsed arguments returning the
exit status). :func:`main` runs it and turns every way it can fail into an exit status that
never lies (the table is in :mod:`csp_rules.cli._common`): 0 for yes / done, 1 only for a real
"no" answer, 2 for bad input or an input/output failure (one line on standard error naming the
flag or the file), 3 for an unexpected internal error (one line; the traceback with
``--debug``), 141 when standard output is closed early (quietly, as after SIGPIPE).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..errors import CspRulesError
from ._common import (
    BAD_INPUT,
    CLOSED_OUTPUT,
    INTERNAL_ERROR,
    INTERRUPTED,
    GuardedStream,
    IOFailure,
    os_reason,
)

#: subcommand modules, in the order ``--help`` lists them
COMMANDS = ("evaluate", "audit", "rules", "market", "cancel", "credit", "link")

_DEBUG_HELP = "on an internal error, print the whole traceback (for a bug report)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csp-rules",
        description="Microsoft CSP rules for software purchases and Azure reservations, as explainable decisions.",
        epilog="exit status: 0 yes or done, 1 no (one-question commands only), 2 bad input or an "
        "input/output failure, 3 internal error (see each command's --help). Statut de sortie : 0 oui "
        "ou fait, 1 non (commandes à une question seulement), 2 entrée non valable ou échec de lecture "
        "ou d'écriture, 3 erreur interne (voir --help de chaque commande).",
    )
    parser.add_argument("--version", action="version", version=f"csp-rules {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"csp_rules.cli.{name}").register(sub)
    for command in sub.choices.values():
        # also after the command (csp-rules evaluate FILE --debug); SUPPRESS keeps the top-level value
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``csp-rules ARGV`` (default: the process's arguments) and return its exit status."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    guarded_out = GuardedStream(out, "standard output")
    sys.stdout, sys.stderr = guarded_out, GuardedStream(err, "standard error", quiet=True)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = out, err


def _arguments(argv: Sequence[str]) -> list[str]:
    """The arguments, with those the locale could not decode read as UTF-8 where they are.

    Under ``LC_ALL=C`` Python decodes ``République`` to lone surrogates; the bytes were UTF-8."""
    fixed = []
    for arg in argv:
        if isinstance(arg, str) and any("\udc80" <= c <= "\udcff" for c in arg):
            with contextlib.suppress(UnicodeError, ValueError):
                arg = os.fsencode(arg).decode("utf-8")
        fixed.append(arg)
    return fixed


def _run(argv: list[str]) -> int:
    debug = "--debug" in argv
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # --help, --version or a usage error: what argparse printed must reach the reader
            sys.stdout.flush()
            raise
        debug = bool(getattr(args, "debug", False))
        status: int = args.handler(args)
        sys.stdout.flush()  # a full disk or a closed pipe is seen here, not at interpreter exit
        return status
    except BrokenPipeError:  # `csp-rules rules | head`: the reader has what it wanted
        _silence(sys.stdout)
        return CLOSED_OUTPUT
    except IOFailure as exc:
        if exc.stream is not None or exc.closed_pipe:
            _silence(sys.stdout if exc.stream is None else exc.stream)
        if exc.closed_pipe:  # the same, come back through Arrow's CSV writer
            return CLOSED_OUTPUT
        _say(f"error: {exc}")
        return BAD_INPUT
    except CspRulesError as exc:
        _say(_error_line(exc, argv))
        return BAD_INPUT
    except ImportError as exc:
        missing = _missing_extra(exc)
        if missing is None:
            _internal_error(exc, debug)
            return INTERNAL_ERROR
        _say(missing)
        return BAD_INPUT
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP while evaluate writes (its .status)
        _say("interrupted" if not exc.args else f"stopped by {exc.args[0]}")
        return int(getattr(exc, "status", INTERRUPTED))
    except OSError as exc:  # an input/output failure no command reported itself
        name = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {name}{os_reason(exc)}")
        return BAD_INPUT
    except Exception as exc:
        _internal_error(exc, debug)
        return INTERNAL_ERROR


#: the optional extras and the modules that need them (pyproject.toml)
_EXTRAS = {"pyarrow": "arrow", "numpy": "arrow", "pandas": "pandas", "polars": "polars"}


def _missing_extra(exc: ImportError) -> str | None:
    """One line naming the extra to install, when ``exc`` is a missing optional dependency."""
    name = (exc.name or "").split(".", 1)[0]
    cause = exc.__cause__
    if name not in _EXTRAS and isinstance(cause, ImportError):
        name = (cause.name or "").split(".", 1)[0]
    extra = _EXTRAS.get(name)
    if extra is None:
        return None
    return (
        f"error: this command needs the [{extra}] extra ({name} is not installed): "
        f"pip install 'csp-rules[{extra}]' (in a clone: pip install -e '.[{extra}]')"
    )


def _lang_of(argv: Sequence[str]) -> str:
    """The ``--lang`` of the command line (``en`` when absent or not understood), read before parsing
    so that an error found while parsing is reported in it too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "fr" if argv[i + 1].lower().startswith("fr") else "en"
        if arg.startswith("--lang="):
            return "fr" if arg[7:].lower().startswith("fr") else "en"
    return "en"


def _error_line(exc: CspRulesError, argv: Sequence[str]) -> str:
    """``error: <message>`` (``erreur : <message>`` with ``--lang fr``, from the error catalog)."""
    from ..decision import error_message

    if _lang_of(argv) == "fr":
        return f"erreur : {error_message(exc, 'fr')}"
    return f"error: {exc}"


def _say(line: str) -> None:
    """One line on standard error; nothing is raised if standard error itself is gone."""
    try:
        print(f"csp-rules: {line}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _internal_error(exc: BaseException, debug: bool) -> None:
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {os.path.basename(last.filename)}:{last.lineno}"
    what = " ".join(str(exc).split())[:200]
    _say(
        f"internal error: {type(exc).__name__}{': ' + what if what else ''}{where}. This is a bug in "
        f"csp-rules {__version__}, not in your input: please report it to the csp_rules maintainers "
        "with the command line"
        + (" and the traceback below" if debug else " and the output of the same command with --debug")
    )
    if debug:
        with contextlib.suppress(OSError, ValueError):
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


def _silence(stream: Any) -> None:
    """Point a failed standard stream's descriptor at /dev/null, so that the interpreter's own flush
    at exit neither raises again nor prints "Exception ignored ... BrokenPipeError"."""
    raw = getattr(stream, "stream", stream)
    try:
        fd = raw.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)
