"""Training only when needed, and clear errors when the server cannot start."""

import shutil
import socket
from pathlib import Path

import pytest

from bot.nlu.service import (
    FINGERPRINT_FILE,
    NluProject,
    NluServiceError,
    fingerprint,
    needs_training,
    start_server,
)
from bot.paths import project_root

REAL = project_root() / "nlu_data"


def copy_project(tmp_path: Path) -> NluProject:
    folder = tmp_path / "nlu"
    for name in ("config.yml", "requirements.txt", "saathi_components.py"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / name, folder / name)
    (folder / "data" / "nlu").mkdir(parents=True)
    (folder / "data" / "nlu" / "en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n', encoding="utf-8"
    )
    return NluProject(folder, REAL.parent / ".venv-nlu" / "bin" / "rasa")


def fake_trained(project: NluProject) -> None:
    project.model_path.parent.mkdir(parents=True, exist_ok=True)
    project.model_path.write_bytes(b"model")
    (project.model_path.parent / FINGERPRINT_FILE).write_text(fingerprint(project))


def test_training_is_needed_only_when_data_or_config_change(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    assert needs_training(project)
    fake_trained(project)
    assert not needs_training(project)
    (project.folder / "data" / "nlu" / "en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n', encoding="utf-8"
    )
    assert needs_training(project)
    fake_trained(project)
    with (project.folder / "config.yml").open("a") as config:
        config.write("# changed\n")
    assert needs_training(project)
    fake_trained(project)
    with (project.folder / "saathi_components.py").open("a") as components:
        components.write("# changed\n")
    assert needs_training(project)


def test_the_real_model_is_up_to_date() -> None:
    assert not needs_training(NluProject(REAL, REAL.parent / ".venv-nlu" / "bin" / "rasa"))


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    with pytest.raises(NluServiceError, match="no trained model"):
        start_server(project, "http://127.0.0.1:5999", "t", 5)


def test_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    fake_trained(project)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(NluServiceError, match=f"port {port}.*taken"):
            start_server(project, f"http://127.0.0.1:{port}", "t", 5)


def test_missing_rasa_is_a_clear_error(tmp_path: Path) -> None:
    project = NluProject(copy_project(tmp_path).folder, tmp_path / "no" / "rasa")
    with pytest.raises(NluServiceError, match="make setup"):
        start_server(project, "http://127.0.0.1:5999", "t", 5)


def test_a_server_that_dies_while_starting_is_reported(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    fake_trained(project)  # not a real model archive: Rasa exits while loading it
    port = 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NluServiceError, match=r"exited while starting|did not answer"):
        start_server(project, f"http://127.0.0.1:{port}", "t", 20)
