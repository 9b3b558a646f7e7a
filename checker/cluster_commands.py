"""`lab cluster ...`: build, start and remove Kubernetes clusters of container nodes.

`lab cluster build` is the one command that makes the cluster images (the long compile),
idempotent and keyed by its inputs, so CI can start it early, in the background. Labs start
their own cluster with `lab start`; `up` and `down` are for clusters that are no lab's (a class).
"""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.markup import escape

from checker import clusters


def _progress(ctx: click.Context, what: str) -> clusters.Progress:
    console: Console = ctx.obj["err"]
    return lambda line: console.print(f"{what}: {escape(line)}", highlight=False)


@click.group("cluster")
def cluster_group() -> None:
    """Kubernetes clusters whose nodes are containers, built offline."""


@cluster_group.command()
@click.pass_context
def build(ctx: click.Context) -> None:
    """Build the cluster images if missing (compiling Kubernetes takes about 12 minutes)."""
    began = time.monotonic()
    node = clusters.build(_progress(ctx, "build"))
    ctx.obj["out"].print(f"[green]✔[/] {node} ready in {time.monotonic() - began:.0f} s")


@cluster_group.command()
@click.argument("name")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True)
@click.option(
    "--with-registry",
    is_flag=True,
    help="Also run a registry beside it that its nodes pull from (for `lab class up --registry`).",
)
@click.pass_context
def up(ctx: click.Context, name: str, workers: int, with_registry: bool) -> None:
    """Start a fresh cluster NAME (replacing one of that name) and print its kubeconfig."""
    began = time.monotonic()
    progress = _progress(ctx, name)
    cluster = clusters.start(clusters.Cluster(name, workers), progress=progress)
    registry = clusters.start_registry(cluster, progress) if with_registry else None
    out = ctx.obj["out"]
    out.print(f"[green]✔[/] cluster {name} is up in {time.monotonic() - began:.0f} s")
    out.print(f"  kubeconfig:   {cluster.kubeconfig}")
    out.print(f"  target spec:  {cluster.spec()}")
    if registry:
        out.print(
            f"  registry:     {registry.host}  (lab class up ... --registry {registry.host}/k2c)",
            soft_wrap=True,  # one line, whatever the width: it is copied from
        )


@cluster_group.command()
@click.argument("name")
@click.pass_context
def down(ctx: click.Context, name: str) -> None:
    """Remove cluster NAME: its nodes, its network, its registry, its kubeconfig."""
    removed = clusters.remove(name)
    ctx.obj["out"].print(f"removed cluster {name}" if removed else f"no cluster {name} to remove")
