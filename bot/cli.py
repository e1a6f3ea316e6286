"""The `saathi` command: chat, classify, nlu, db, kb and run."""

import argparse
import asyncio
import datetime as dt
import signal
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from bot import app, casework
from bot.channels import terminal
from bot.engine.render import COUNTRIES
from bot.knowledge.loader import KnowledgeError, coverage_gaps, load_knowledge_base
from bot.nlu import report
from bot.nlu.langid import LANGUAGES, build_identifier
from bot.nlu.safety import load_lexicon
from bot.nlu.service import NluServiceError, nlu_server, train
from bot.settings import Settings
from bot.storage.db import make_engine, make_sessions, upgrade


def _serve_nlu(settings: Settings) -> AbstractContextManager[bool]:
    """Return the context that uses or starts the NLU server."""
    return nlu_server(
        app.nlu_project(settings),
        settings.nlu_url,
        settings.nlu_token.get_secret_value(),
        settings.nlu_start_timeout_seconds,
    )


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal."""
    try:
        with _serve_nlu(settings):
            return _chat(settings, args)
    except NluServiceError as error:
        print(
            f"saathi: NLU server unavailable, answering with menus only: {error}", file=sys.stderr
        )
        return _chat(settings, args)


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chat loop on stdin and stdout."""

    async def go() -> None:
        async with app.open_engine(settings) as engine:
            await terminal.run_chat(
                engine,
                sys.stdin.buffer,
                sys.stdout,
                language=args.lang,
                country=args.country,
                jsonl=args.jsonl,
            )

    asyncio.run(go())
    return 0


def cmd_classify(settings: Settings, _args: argparse.Namespace) -> int:
    """Classify stdin lines into intents, one JSON object per line."""

    async def go() -> None:
        async with app.open_http(settings) as http:
            await terminal.run_classify(
                app.understander(settings, http), sys.stdin.buffer, sys.stdout
            )

    with _serve_nlu(settings):
        asyncio.run(go())
    return 0


def cmd_nlu_train(settings: Settings, args: argparse.Namespace) -> int:
    """Train the NLU model when its data or config changed."""
    started = time.monotonic()
    trained = train(app.nlu_project(settings), force=args.force)
    took = time.monotonic() - started
    print(f"trained in {took:.1f} s" if trained else "model is up to date; not retrained")
    return 0


def cmd_nlu_serve(settings: Settings, _args: argparse.Namespace) -> int:
    """Serve the NLU model until interrupted."""
    started = time.monotonic()
    with _serve_nlu(settings) as ours:
        if not ours:
            print(f"an NLU server already answers at {settings.nlu_url}")
            return 0
        print(
            f"NLU server ready at {settings.nlu_url} in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def cmd_nlu_report(settings: Settings, _args: argparse.Namespace) -> int:
    """Compare the candidate pipelines on the held-out set and record the figures."""
    folder = settings.nlu_project_dir
    output = folder.parent / "docs" / "nlu.md"
    text = asyncio.run(
        report.run_report(
            app.nlu_project(settings),
            report.Evaluation(
                taxonomy=app.taxonomy(settings),
                lexicon=load_lexicon(folder / "safety_lexicon"),
                identifier=build_identifier(folder / "data" / "nlu"),
                settings=settings,
            ),
            output,
        )
    )
    print(text)
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the anonymised monthly counts for advocacy (counts below 5 suppressed)."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with make_sessions(engine)() as session:
        tables = casework.monthly_report(session, month=args.month)
    engine.dispose()
    print(f"Saathi, {args.month} (counts below 5 are not shown)")
    for name, counts in tables.items():
        print(f"\nby {name}:")
        for key, count in counts.items() or [("(nothing to show)", 0)]:
            print(f"  {key}: {count}" if count else f"  {key}")
    return 0


def _month(value: str) -> str:
    """Check a YYYY-MM month argument."""
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError as error:
        raise argparse.ArgumentTypeError("use YYYY-MM, e.g. 2026-11") from error
    return value


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Apply the database migrations."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    print("database is up to date")
    return 0


def cmd_kb_check(settings: Settings, args: argparse.Namespace) -> int:
    """Print knowledge-base coverage per topic and language; non-zero exit on a gap."""
    kb = load_knowledge_base(settings.knowledge_base_dir)
    topics = app.taxonomy(settings).names("rights")
    languages = args.languages.split(",") if args.languages else list(LANGUAGES)
    print("topic".ljust(28) + " ".join(code.rjust(3) for code in languages))
    for name in topics:
        have = kb.topics[name].languages if name in kb.topics else {}
        marks = " ".join(("ok" if code in have else "--").rjust(3) for code in languages)
        print(name.ljust(28) + marks)
    gaps = coverage_gaps(kb, topics, languages)
    print(f"{len(gaps)} gaps" if gaps else "complete")
    return 1 if gaps else 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Start the bot: Telegram when a token is set, else the terminal chat."""
    if settings.telegram_bot_token is None:
        return cmd_chat(settings, args)
    from bot.channels.telegram import run  # noqa: PLC0415 - Telegram only when used

    with _serve_nlu(settings):
        run(settings)
    return 0


def parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    root = argparse.ArgumentParser(prog="saathi", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("chat", "talk to Saathi in the terminal"),
        ("run", "start the bot (Telegram if TELEGRAM_BOT_TOKEN is set)"),
    ):
        chat = sub.add_parser(name, help=help_text)
        chat.add_argument("--lang", choices=LANGUAGES, help="skip the language question")
        chat.add_argument(
            "--country",
            choices=COUNTRIES,
            type=str.upper,
            help="country of work, skips that question",
        )
        chat.add_argument("--jsonl", action="store_true", help="one JSON object per input line")
    sub.add_parser("classify", help="stdin lines to JSON intents")
    nlu = sub.add_parser("nlu").add_subparsers(dest="nlu_command", required=True)
    nlu_train = nlu.add_parser("train", help="train the Rasa model if data or config changed")
    nlu_train.add_argument("--force", action="store_true")
    nlu.add_parser("serve", help="run the Rasa server")
    nlu.add_parser("report", help="compare pipelines on the held-out set (writes docs/nlu.md)")
    report_parser = sub.add_parser("report", help="anonymised monthly counts for advocacy")
    report_parser.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    db = sub.add_parser("db").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply database migrations")
    kb = sub.add_parser("kb").add_subparsers(dest="kb_command", required=True)
    kb_check = kb.add_parser("check", help="knowledge-base coverage; non-zero exit on a gap")
    kb_check.add_argument("--languages", help="comma-separated codes (default: all 12)")
    return root


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "chat": cmd_chat,
    "run": cmd_run,
    "classify": cmd_classify,
    "nlu train": cmd_nlu_train,
    "nlu serve": cmd_nlu_serve,
    "nlu report": cmd_nlu_report,
    "db upgrade": cmd_db_upgrade,
    "report": cmd_report,
    "kb check": cmd_kb_check,
}


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    """Turn SIGTERM into SystemExit, so a Rasa server we started is stopped on the way out."""
    raise SystemExit(143)


def main(argv: list[str] | None = None) -> int:
    """Run one saathi command and return its exit code."""
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    key = " ".join(x for x in (args.command, getattr(args, f"{args.command}_command", None)) if x)
    try:
        settings = Settings()
        app.configure_logging(settings)
        return COMMANDS[key](settings, args)
    except (NluServiceError, KnowledgeError, ValueError) as error:
        print(f"saathi: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
