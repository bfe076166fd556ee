"""What every command shares: friendly errors, the command line as typed, the progress bar, output that
never fails on a console's encoding, and small option parsers. Importing it is cheap (click only), so
`portfolio --help` stays fast."""
from __future__ import annotations

import functools
import os
import sys

import click

from portfolio.problems import InputError, UserError

EXIT_INPUT = 2
EXIT_TERMINATED = 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a command stops as on Ctrl-C: worker pools shut
    down, staging folders removed, exit status 143."""


class stop_on_sigterm:
    """While the block runs, SIGTERM stops the command cleanly (``Terminated``) instead of ending it on
    the spot, which would leave its worker processes and staging folders behind (main thread only)."""

    def __enter__(self):
        import signal
        import threading

        def terminate(signum, frame):
            raise Terminated()

        def unraisable(hook):
            # raised where an exception cannot leave (a finaliser, a C callback): Python would print it
            # and go on, so the signal is sent again a moment later instead
            if isinstance(hook.exc_value, Terminated):
                threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
            else:
                self.hook(hook)

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, terminate)
            self.hook, sys.unraisablehook = sys.unraisablehook, unraisable

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
            sys.unraisablehook = self.hook


def _interruption(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or Terminated behind ``exc``, if any: a signal that arrives while a numba
    kernel runs surfaces as ``SystemError: … returned a result with an exception set``, caused by it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):         # Terminated included
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def friendly(func):
    """Run a command; print input problems and exit 2; hide tracebacks of other errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with stop_on_sigterm():
                return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.", err=True)
            sys.exit(EXIT_INPUT)
        except UserError as exc:   # a request that cannot be done as asked: one line (and its notes)
            click.echo("\n".join([f"error: {exc}", *getattr(exc, "__notes__", ())]), err=True)
            sys.exit(EXIT_INPUT)
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:  # disk full, permission denied, ... while writing outputs
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"error: {exc.strerror or exc}{where}; nothing was written to the output folder", err=True)
            sys.exit(1)
        except Terminated:
            click.echo("terminated.", err=True)
            sys.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 — the last line of defence for planners
            stop = _interruption(exc)
            if stop is not None:   # Ctrl-C or SIGTERM arrived inside compiled code, which reports it wrapped
                terminated = isinstance(stop, Terminated)
                click.echo("terminated." if terminated else "interrupted.", err=True)
                sys.exit(EXIT_TERMINATED if terminated else 130)
            if os.environ.get("PORTFOLIO_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "(this is a bug in portfolio; rerun with PORTFOLIO_DEBUG=1 for details)", err=True)
            sys.exit(1)

    return wrapper


def command_line() -> str:
    """The command as typed, rebuilt from the parsed parameters (also right when called from Python)."""
    import shlex

    ctx = click.get_current_context()
    words = ctx.command_path.split()
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value in (None, False, ()) or (param.default is not None and value == param.default):
            continue
        values = value if isinstance(value, (tuple, list)) else [value]
        for item in values:
            if isinstance(param, click.Argument):
                words.append(str(item))
            elif param.is_flag:
                words.append(param.opts[0])
            else:
                words += [param.opts[0], str(item)]
    return " ".join(shlex.quote(w) for w in words)


class Progress:
    """The progress bar of long commands, on stderr with an ETA — only when stderr is a terminal and
    the command is not --quiet. ``with Progress(enabled, "simulating") as advance: advance(k, total)``;
    the bar appears on the first call, when the total is known."""

    def __init__(self, enabled: bool, label: str, show_pos: bool = False):
        self.enabled = enabled and sys.stderr.isatty()
        self.label, self.show_pos, self.bar = label, show_pos, None

    def __enter__(self):
        return self.advance

    def advance(self, k: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_eta=True,
                                         show_percent=True, show_pos=self.show_pos, width=30)
            self.bar.__enter__()
        self.bar.update(k)

    def finish(self, *exc) -> None:
        """Close the bar (once), e.g. before printing results while the command goes on."""
        if self.bar is not None:
            self.bar.__exit__(*(exc or (None, None, None)))
            self.bar = None

    def __exit__(self, *exc):
        self.finish(*exc)


def positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be a positive whole number, got {value}")
    return value


def destination(out, stem: str, force: bool, inputs=()):
    """The output folder: ``--out`` or ``outputs/<stem>-<timestamp>``, checked before anything runs (a
    folder in the way, or one that would replace an input of the command, is a usage error, not a lost
    computation)."""
    from portfolio.outputs.folders import OutputError, check_destination, default_folder

    folder = out if out is not None else default_folder(stem)
    try:
        check_destination(folder, force, inputs)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    return folder


def folder_options(default: str, charts: str, printed: str):
    """The options of every command that writes an output folder: ``--out`` (``default`` names the folder
    made when it is not given), ``--force``, ``--no-charts``, ``--lang`` and ``--json`` (print
    ``printed`` instead of the text report). One home, so they read the same everywhere."""
    from pathlib import Path

    from portfolio.outputs.kinds import LANGS

    options = [
        click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                     help=f"Output folder (default {default})."),
        click.option("--force", is_flag=True, help="Replace a non-empty --out folder."),
        click.option("--no-charts", is_flag=True, help=f"Do not draw {charts}."),
        click.option("--lang", type=click.Choice(LANGS), help="Chart and label language (default: the scenario's)."),
        click.option("--json", "as_json", is_flag=True, help=f"Print {printed} instead of the text report."),
    ]

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def executor_options(workers_help: str):
    """Where the work runs: ``--workers N`` local processes, or a Dask cluster with ``--scheduler
    ADDRESS`` (an existing one) or ``--dask-local N`` (started and stopped here), and ``--timeout``.
    One home for ``run``, ``compare``, ``sensitivity`` and ``sweep``; :func:`cluster` checks them."""
    options = [
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help=workers_help),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Run on an existing Dask cluster: its scheduler, e.g. tcp://host:8786 (workers need "
                          "portfolio installed). Results are the same as a local run."),
        click.option("--dask-local", type=click.IntRange(min=1), metavar="N",
                     help="Start a Dask cluster of N local processes for this command (stopped at the end)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
                     help="Seconds to wait for a Dask scheduler and its first worker, or for a lost scheduler."),
    ]

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def cluster(workers: int, scheduler: str | None, dask_local: int | None, timeout: float):
    """The Dask executor the options ask for (not yet entered), or None for local processes; a usage
    error for contradictory options."""
    from portfolio.runs.executors import make_executor

    try:
        executor = make_executor(workers, scheduler, dask_local, timeout)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return executor if executor.kind == "dask" else None


#: what a console that cannot show a character gets instead (Windows cp1252 consoles and redirects);
#: anything else unencodable (Chinese names on such a console) becomes "?"
CONSOLE_FALLBACKS = {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "−": "-", "×": "x", "→": "->", "·": "-",
                     "±": "+/-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"', "％": "%", "²": "2"}
_ERRORS = "portfolio-console"


def _fallback(exc: UnicodeError):
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(CONSOLE_FALLBACKS.get(ch, "?") for ch in bad), exc.end


def can_show(stream, text: str = "≥亿元–×→") -> bool:
    """Whether ``stream``'s encoding can write ``text`` (the characters the outputs use)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def safe_console() -> None:
    """Make stdout and stderr write what their encoding cannot show as ASCII stand-ins (≥ as >=, – as -)
    or "?", instead of failing with UnicodeEncodeError after the work is done (a cp1252 console)."""
    import codecs

    try:
        codecs.lookup_error(_ERRORS)
    except LookupError:
        codecs.register_error(_ERRORS, _fallback)
    for stream in (sys.stdout, sys.stderr):
        if not can_show(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=_ERRORS)


def echo_json(value) -> None:
    """Print ``value`` (an object, or a JSON text) as indented JSON; on a console that cannot show every
    character, non-ASCII characters are escaped (\\uXXXX), so the JSON stays valid and exact."""
    import json

    if isinstance(value, str):
        value = json.loads(value)
    click.echo(json.dumps(value, indent=2, ensure_ascii=not can_show(sys.stdout)))
