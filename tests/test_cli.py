"""The `saathi classify` and `saathi chat` commands, as outside evaluations use them."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.intents import load_taxonomy
from bot.paths import project_root
from tests.conftest import TOKEN

SAATHI = str(Path(sys.executable).parent / "saathi")


def run(
    args: list[str], stdin: bytes, nlu_url: str, database: str
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NLU_URL": nlu_url, "NLU_TOKEN": TOKEN, "DATABASE_URL": database}
    return subprocess.run(
        [SAATHI, *args], input=stdin, env=env, capture_output=True, timeout=120, check=False
    )


@pytest.mark.integration
def test_classify_prints_one_json_object_per_line(nlu_url: str, sqlite_url: str) -> None:
    lines = [
        "my employer keeps my passport",
        "",
        "😭",
        "x" * 10000,
        "म मर्न चाहन्छु",
        "amar beton dey na 3 mash",
    ]
    stdin = ("\n".join(lines) + "\n").encode() + b"\xff\xfe broken\n"
    result = run(["classify"], stdin, nlu_url, sqlite_url)
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert len(records) == len(lines) + 1
    names = set(load_taxonomy(project_root() / "nlu_data" / "intents.yaml").intents) | {
        "nlu_fallback"
    }
    for record in records[:-1]:
        assert {"text", "language", "intent", "confidence", "escalate", "urgent"} <= set(record)
        assert record["intent"] in names
    assert records[0]["intent"] == "passport_retention" and not records[0]["escalate"]
    assert records[1]["intent"] == "nlu_fallback"
    assert records[4]["escalate"] and records[4]["urgent"] and records[4]["language"] == "ne"
    assert records[5]["language"] == "bn" and records[5]["romanized"]
    assert "error" in records[-1]


@pytest.mark.integration
def test_chat_jsonl_answers_nepali_with_the_c189_citation(nlu_url: str, sqlite_url: str) -> None:
    stdin = "मेरो पासपोर्ट साहुले राखेको छ\n\n1\n".encode()
    result = run(["chat", "--lang", "ne", "--country", "MY", "--jsonl"], stdin, nlu_url, sqlite_url)
    assert result.returncode == 0, result.stderr.decode()
    first, empty, number = (json.loads(x) for x in result.stdout.decode().splitlines())
    assert first["intent"] == "passport_retention" and first["language"] == "ne"
    assert "C189 Art. 9" in first["replies"][-1]["text"]
    assert first["replies"][-1]["buttons"]
    assert empty["replies"][0]["text"]
    assert number["input"] == "1" and number["replies"]


@pytest.mark.integration
def test_chat_onboards_with_numbered_buttons(nlu_url: str, sqlite_url: str) -> None:
    result = run(["chat"], b"2\n1\nhello\n", nlu_url, sqlite_url)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "[1] English" in out and "[2] नेपाली" in out
    assert "मलेसिया" in out  # the country question, asked in Nepali after choosing 2


def test_chat_without_a_model_or_server_still_answers(tmp_path: Path, sqlite_url: str) -> None:
    env = {
        **os.environ,
        "NLU_URL": "http://127.0.0.1:9",
        "DATABASE_URL": sqlite_url,
        "NLU_PROJECT_DIR": str(tmp_path),
        "NLU_START_TIMEOUT_SECONDS": "5",
    }
    (tmp_path / "intents.yaml").write_bytes(
        (project_root() / "nlu_data" / "intents.yaml").read_bytes()
    )
    for folder in ("safety_lexicon", "data/nlu"):
        (tmp_path / folder).mkdir(parents=True)
        for source in (project_root() / "nlu_data" / folder).glob("*.yml"):
            (tmp_path / folder / source.name).write_bytes(source.read_bytes())
    result = subprocess.run(
        [SAATHI, "chat", "--lang", "en", "--country", "MY"],
        input=b"he beat me\n",
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert b"NLU server unavailable" in result.stderr
    assert b"Yes, send it" in result.stdout


def test_monthly_report_prints_suppressed_counts(sqlite_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    result = subprocess.run(
        [SAATHI, "report", "--month", "2026-11"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"counts below 5 are not shown" in result.stdout
    bad = subprocess.run(
        [SAATHI, "report", "--month", "November"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert b"YYYY-MM" in bad.stderr


def test_kb_check_passes_on_the_real_knowledge_base_and_fails_on_a_gap(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(project_root() / "knowledge_base", kb)
    env = {**os.environ, "KNOWLEDGE_BASE_DIR": str(kb)}
    command = [SAATHI, "kb", "check"]
    complete = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    assert complete.returncode == 0, complete.stdout.decode()
    assert complete.stdout.decode().rstrip().endswith("complete")
    (kb / "topics" / "minimum_wage.yaml").unlink()
    gap = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    assert gap.returncode == 1
    assert "12 gaps" in gap.stdout.decode()
