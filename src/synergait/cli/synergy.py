"""``synergait synergy ...``: NMF extraction, k sweep, comparison, variants, the default basis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from synergait.cli.common import FromOption, JsonFlag, MusclesOption, command_group, console, emit, read_activations
from synergait.errors import ParameterError
from synergait.fileio import require_suffix

synergy_app = command_group("synergy", "Muscle synergies: NMF extraction, k sweep, comparison, the default basis.")






@synergy_app.command("extract")
def synergy_extract(activations: Annotated[Path, typer.Argument(help="Activation table (.csv or .npz).")],
                    out: Annotated[Path, typer.Option(help="SynergyBasis .npz.")],
                    k: Annotated[int, typer.Option(help="Number of synergies.")] = 10,
                    muscles: MusclesOption = None, restarts: Annotated[int, typer.Option(min=1)] = 10,
                    seed: Annotated[int, typer.Option()] = 0,
                    figure: Annotated[Path | None, typer.Option(help="PNG of H and W.")] = None,
                    as_json: JsonFlag = False) -> None:
    """NMF synergies of an activation table (VAF in total and per muscle)."""
    from synergait.synergy.extract import DEFAULT_MUSCLES, SynergyExtractor
    from synergait.synergy.plots import plot_synergies

    require_suffix(out, ".npz")
    if figure:
        require_suffix(figure, ".png", parameter="--figure")
    table = read_activations(activations)
    chosen = tuple(muscles.split(",")) if muscles else DEFAULT_MUSCLES
    extractor = SynergyExtractor(k, chosen, restarts, seed).fit(table)
    extractor.basis_.save(out)
    if figure:
        plot_synergies(extractor.basis_, extractor.activations_, extractor.time_, figure)
    result = {"out": str(out), "k": k, "vaf": extractor.vaf_, "muscles": list(chosen),
              "vaf_per_muscle": dict(zip(chosen, extractor.vaf_per_muscle_.tolist(), strict=True)),
              "reachable_excitation": dict(zip(chosen, extractor.reachable.tolist(), strict=True)),
              "figure": str(figure) if figure else None}
    emit(result, as_json, "synergies", rows=lambda r: {
        k_: v for k_, v in r.items() if k_ not in ("vaf_per_muscle", "reachable_excitation")})


@synergy_app.command("sweep")
def synergy_sweep(activations: Annotated[Path, typer.Argument(help="Activation table (.csv or .npz).")],
                  kmax: Annotated[int, typer.Option(help="Largest k.")] = 15, muscles: MusclesOption = None,
                  restarts: Annotated[int, typer.Option(min=1)] = 5, seed: Annotated[int, typer.Option()] = 0,
                  as_json: JsonFlag = False) -> None:
    """VAF for k = 1..kmax and the k the documented selection rule picks."""
    from synergait.synergy.extract import DEFAULT_MUSCLES, sweep

    chosen = tuple(muscles.split(",")) if muscles else DEFAULT_MUSCLES
    result = sweep(read_activations(activations), kmax, muscles=chosen, n_restarts=restarts, seed=seed)

    def render(r: dict[str, Any]) -> None:
        table = Table("k", "VAF", "min VAF (active muscles)", title=f"k sweep: chosen k = {r['chosen_k']}")
        for row in r["rows"]:
            table.add_row(str(row["k"]), f"{row['vaf']:.4f}", f"{row['min_muscle_vaf']:.3f}")
        console.print(table)
        console.print(r["rule"])

    emit(result, as_json, render)


@synergy_app.command("compare")
def synergy_compare(a: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")],
                    b: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")], as_json: JsonFlag = False) -> None:
    """Match the synergies of two bases (cosine similarity, Hungarian assignment)."""
    from synergait.synergy.basis import SynergyBasis
    from synergait.synergy.extract import match_bases

    result = match_bases(SynergyBasis.load(a), SynergyBasis.load(b))
    emit(result, as_json, "basis comparison", rows=lambda r: {
        k: v for k, v in r.items() if k != "similarity"})


@synergy_app.command("default")
def synergy_default(source: FromOption = None,
                    out: Annotated[Path | None, typer.Option(help="Output (default: the packaged asset).")] = None,
                    figure: Annotated[Path | None, typer.Option(help="PNG of H and W.")] = None,
                    as_json: JsonFlag = False) -> None:
    """Regenerate the shipped default basis (MuJoCo inverse, NMF k = 10, seed 0) and gait pattern (the same
    activations over the right gait cycle) from the Rajagopal 2016 trial."""
    from synergait.assets.regenerate import build_default_basis
    from synergait.synergy.plots import plot_synergies

    extractor, path, pattern = build_default_basis(source, out, progress=not as_json)
    if figure:
        plot_synergies(extractor.basis_, extractor.activations_, extractor.time_, figure)
    emit({"out": str(path), "k": extractor.n_synergies, "vaf": extractor.vaf_, "stride_s": pattern.stride_s},
         as_json,
         "default basis")


@synergy_app.command("variant")
def synergy_variant(basis: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")],
                    out: Annotated[Path, typer.Option(help="Variant basis .npz.")],
                    merge: Annotated[str | None, typer.Option(help="Merge two synergies: i,j (0-based).")] = None,
                    k: Annotated[int | None, typer.Option(help="Re-extract with k synergies (needs --activations)."
                                                          )] = None,
                    activations: Annotated[Path | None, typer.Option(help="Activation table for --k.")] = None,
                    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False) -> None:
    """Pathology variants of a basis: merged modules or fewer synergies. Use with train/env via --basis."""
    from synergait.synergy.basis import SynergyBasis
    from synergait.synergy.extract import SynergyExtractor

    require_suffix(out, ".npz")
    source = SynergyBasis.load(basis)
    if (merge is None) == (k is None):
        raise ParameterError("variant", "give exactly one of --merge i,j or --k N")
    if merge is not None:
        try:
            i, j = (int(v) for v in merge.split(","))
        except ValueError:
            raise ParameterError("--merge", f"expected two integers 'i,j', got '{merge}'") from None
        variant = source.merged(i, j)
    else:
        if activations is None:
            raise ParameterError("--k", "re-extracting with another k needs --activations (the source table)")
        variant = SynergyExtractor(k, source.muscles, 10, seed).fit(read_activations(activations)).basis_
        variant.provenance["variant"] = f"k={k}"
    variant.save(out)
    emit({"out": str(out), "k": variant.n_synergies, "variant": variant.provenance["variant"]}, as_json,
         "synergy variant")
