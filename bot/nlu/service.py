"""Training and serving the Rasa NLU model as its own process (in .venv-nlu)."""

import contextlib
import hashlib
import logging
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

MODEL_NAME = "saathi-nlu"
FINGERPRINT_FILE = ".fingerprint"
SECONDS_FILE = ".training-seconds"


class NluServiceError(RuntimeError):
    """The NLU model could not be trained or the server could not start."""


@dataclass(frozen=True)
class NluProject:
    """The Rasa project folder and the rasa executable that works on it."""

    folder: Path
    rasa_bin: Path

    @property
    def model_path(self) -> Path:
        """Return the trained model's file."""
        return self.folder / "models" / f"{MODEL_NAME}.tar.gz"

    def inputs(self) -> list[Path]:
        """Return the files whose content decides the model: config, data, Rasa pins."""
        data = sorted((self.folder / "data").rglob("*.yml"))
        fixed = ["config.yml", "requirements.txt", "saathi_components.py"]
        return [*(self.folder / name for name in fixed), *data]


def fingerprint(project: NluProject) -> str:
    """Return a hash of every training input, names and contents."""
    digest = hashlib.sha256()
    for path in project.inputs():
        digest.update(str(path.relative_to(project.folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def needs_training(project: NluProject) -> bool:
    """Tell whether the model is missing or older than its data and config."""
    stamp = project.model_path.parent / FINGERPRINT_FILE
    if not project.model_path.exists() or not stamp.exists():
        return True
    return stamp.read_text().strip() != fingerprint(project)


def _rasa_env() -> dict[str, str]:
    """Return the environment for Rasa: no telemetry, quiet TensorFlow, one thread pool."""
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return env


def _require_rasa(project: NluProject) -> None:
    """Stop with a clear message when the Rasa environment is missing."""
    if not project.rasa_bin.exists():
        raise NluServiceError(
            f"Rasa is not installed at {project.rasa_bin}; run `make setup` to create .venv-nlu"
        )


def train(project: NluProject, force: bool = False) -> bool:
    """Train the model when its inputs changed (or when forced); return whether it trained."""
    if not force and not needs_training(project):
        return False
    _require_rasa(project)
    stamp = fingerprint(project)
    command = [
        str(project.rasa_bin),
        "train",
        "nlu",
        "--config",
        "config.yml",
        "--nlu",
        "data/nlu",
        "--out",
        "models",
        "--fixed-model-name",
        MODEL_NAME,
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=project.folder, env=_rasa_env(), check=False)
    if result.returncode != 0 or not project.model_path.exists():
        raise NluServiceError(f"rasa train nlu failed with exit code {result.returncode}")
    (project.model_path.parent / FINGERPRINT_FILE).write_text(stamp + "\n")
    (project.model_path.parent / SECONDS_FILE).write_text(f"{time.monotonic() - started:.1f}\n")
    return True


def training_seconds(project: NluProject) -> float | None:
    """Return how long the current model took to train, if recorded."""
    path = project.model_path.parent / SECONDS_FILE
    return float(path.read_text()) if path.exists() else None


def port_is_free(host: str, port: int) -> bool:
    """Tell whether nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def server_is_ready(url: str, token: str, timeout: float = 2.0) -> bool:
    """Tell whether a Rasa server answers at url with a loaded model."""
    try:
        response = httpx.get(url.rstrip("/") + "/status", params={"token": token}, timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and bool(response.json().get("model_file"))


@dataclass
class RunningServer:
    """A Rasa server process this program started."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    project: NluProject, url: str, token: str, timeout: float, model: Path | None = None
) -> RunningServer:
    """Start `rasa run --enable-api` for url and wait until it has loaded the model."""
    _require_rasa(project)
    model = model or project.model_path
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5005
    if not model.exists():
        raise NluServiceError(f"no trained model at {model}; run `saathi nlu train`")
    if not port_is_free(host, port):
        raise NluServiceError(f"port {port} on {host} is taken; stop that program or set NLU_URL")
    log_path = model.parent / f"rasa-server-{port}.log"
    command = [
        str(project.rasa_bin),
        "run",
        "--enable-api",
        "--model",
        str(model),
        "--interface",
        host,
        "--port",
        str(port),
        "--auth-token",
        token,
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=project.folder,
            env=_rasa_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RunningServer(process, log_path)
    _wait_until_ready(server, url, token, timeout)
    return server


def _wait_until_ready(server: RunningServer, url: str, token: str, timeout: float) -> None:
    """Poll the server's status until it is ready, it dies, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_path.read_text(errors="replace").splitlines()[-15:]
            raise NluServiceError("the Rasa server exited while starting:\n" + "\n".join(tail))
        if server_is_ready(url, token):
            return
        time.sleep(0.5)
    server.stop()
    raise NluServiceError(
        f"the Rasa server did not answer within {timeout:.0f} s; "
        f"see {server.log_path} or raise NLU_START_TIMEOUT_SECONDS"
    )


@contextlib.contextmanager
def nlu_server(project: NluProject, url: str, token: str, timeout: float) -> Iterator[bool]:
    """Use the server at url if it answers, else start one for the block; yield if we started it."""
    if server_is_ready(url, token):
        yield False
        return
    log.info("starting the NLU server")
    server = start_server(project, url, token, timeout)
    try:
        yield True
    finally:
        server.stop()
