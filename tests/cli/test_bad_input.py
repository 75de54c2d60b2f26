"""Bad input through the CLI, one case per class of defect: exit 2, one line on stderr naming the file or the
parameter, no traceback, and nothing written where an output was asked for."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from synergait.cli import main

RAJAGOPAL = "{shared}/rajagopal2016_walk"


def _files(tmp: Path, shared: Path) -> dict[str, Path]:
    """The bad (and the few good) input files the cases use."""
    files = {
        "empty.sto": "",
        "no_header.sto": "time\tx\n0\t1\n",
        "ragged.sto": "h\nendheader\ntime\tx\ty\n0\t1\t2\n0.1\t1\n",
        "duplicated.sto": "h\nendheader\ntime\tx\tx\n0\t1\t2\n0.1\t1\t2\n",
        "backwards.sto": "h\nendheader\ntime\tx\n0\t1\n0.2\t1\n0.1\t1\n",
        "text.csv": "time,x\n0,abc\n",
        "table.xyz": "time,x\n0,1\n",
        "no_force.mot": "h\nendheader\ntime\tknee_angle_r\n0\t1\n0.1\t2\n",
        "garbage.npz": "this is not a zip archive",
        "not_csv.csv": "\x00\x01\x02 binary \x00",
        "zeros.csv": "time,soleus_r,tibant_r\n" + "".join(f"{i / 100},0,0\n" for i in range(20)),
        "three_rows.csv": "time," + ",".join(f"m{i}" for i in range(12)) + "\n"
                          + "".join(f"{i / 100}," + ",".join(["0.3"] * 12) + "\n" for i in range(3)),
        "dup_columns.csv": "time,soleus_r,soleus_r\n0,0.1,0.2\n0.01,0.1,0.2\n",
        "bad.yaml": "env: [unclosed",
        "assist.yaml": "assist:\n  initial_level: 1.0\n",
        "ppo_with_sac.yaml": "algo: ppo\nlearning_starts: 5\n",
        "conditions.csv": "speed,slope\nfast,up\n",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp / name
        paths[name].write_bytes(text.encode("latin-1"))
    np.savez(tmp / "other_keys.npz", something=np.zeros(3))
    paths["other_keys.npz"] = tmp / "other_keys.npz"
    grf = (shared / "rajagopal2016_walk" / "grf_walk.mot").read_text().splitlines()
    end = next(i for i, line in enumerate(grf) if line.strip() == "endheader")
    zero_rows = ["\t".join([row.split("\t")[0]] + ["0"] * (len(row.split("\t")) - 1)) for row in grf[end + 2:]]
    (tmp / "zero_grf.mot").write_text("\n".join(grf[:end + 2] + zero_rows) + "\n")
    paths["zero_grf.mot"] = tmp / "zero_grf.mot"
    (tmp / "sb3_walker").mkdir()
    (tmp / "sb3_walker" / "model.zip").write_bytes(b"PK")
    paths["sb3_walker"] = tmp / "sb3_walker"
    (tmp / "bad_walker").mkdir()
    (tmp / "bad_walker" / "walker.yaml").write_text("format: 7\nspec: {}\nnetwork: {}\n")
    np.savez(tmp / "bad_walker" / "weights.npz", w0=np.zeros((2, 2)))
    paths["bad_walker"] = tmp / "bad_walker"
    (tmp / "empty_dir").mkdir()
    paths["empty_dir"] = tmp / "empty_dir"
    return paths


R = "{r}"  # the Rajagopal folder
#: (case, arguments, what the one line must name); {name} is a file above, {out} an output that must not appear.
CASES = [
    ("missing file", ["data", "info", "{tmp}/missing.sto"], "missing.sto"),
    ("empty file", ["data", "info", "{empty.sto}"], "empty file"),
    ("unknown suffix", ["data", "info", "{table.xyz}"], "table.xyz"),
    ("no endheader", ["data", "info", "{no_header.sto}"], "endheader"),
    ("ragged row", ["data", "info", "{ragged.sto}"], "line 5 holds 2 values"),
    ("duplicated column", ["data", "info", "{duplicated.sto}"], "duplicated column"),
    ("time backwards", ["data", "info", "{backwards.sto}"], "non-monotonic time"),
    ("text in a number column", ["data", "info", "{text.csv}"], "text.csv"),
    ("no vertical force", ["data", "events", "{no_force.mot}"], "no_force.mot"),
    ("one side's plate columns only", ["data", "events", f"{R}/grf_walk.mot", "--right-columns",
                                       "ground_force_r_vy"], "--right-columns/--left-columns"),
    ("a plate column that is not there", ["data", "events", f"{R}/grf_walk.mot", "--right-columns", "plate9_vy",
                                          "--left-columns", "ground_force_l_vy"], "plate9_vy"),
    ("negative threshold", ["data", "events", f"{R}/grf_walk.mot", "--threshold", "-5"], "threshold"),
    ("unknown side", ["data", "cycles", f"{R}/electromyography.sto", "--events", f"{R}/grf_walk.mot",
                      "--side", "middle", "--out", "{out}.csv"], "side"),
    ("unknown dataset", ["data", "fetch", "nowhere2020"], "nowhere2020"),
    ("unknown reference", ["data", "reference", "nowhere2020"], "nowhere2020"),
    ("negative body mass", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", f"{R}/grf_walk.mot",
                            "--loads", f"{R}/grf_walk.xml", "--subject-mass", "-70", "--out", "{out}.csv"],
     "subject_mass"),
    ("zero body mass", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", f"{R}/grf_walk.mot",
                        "--loads", f"{R}/grf_walk.xml", "--subject-mass", "0", "--out", "{out}.csv"], "subject_mass"),
    ("all-zero GRF", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", "{zero_grf.mot}", "--loads",
                      f"{R}/grf_walk.xml", "--out", "{out}.csv"], "0.00 body weights"),
    ("inverse output suffix", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", f"{R}/grf_walk.mot",
                               "--out", "{out}.xyz"], "--out"),
    ("unknown backend", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", f"{R}/grf_walk.mot",
                         "--backend", "simbody", "--out", "{out}.csv"], "backend"),
    ("window outside the trial", ["inverse", "--coordinates", f"{R}/coordinates.sto", "--grf", f"{R}/grf_walk.mot",
                                  "--start", "5", "--stop", "6", "--out", "{out}.csv"], "window"),
    ("garbage npz table", ["synergy", "extract", "{garbage.npz}", "--out", "{out}.npz"], "garbage.npz"),
    ("binary csv table", ["synergy", "extract", "{not_csv.csv}", "--out", "{out}.npz"], "not_csv.csv"),
    ("npz with other keys", ["synergy", "extract", "{other_keys.npz}", "--out", "{out}.npz"], "other_keys.npz"),
    ("k = 0", ["synergy", "extract", "{zeros.csv}", "--k", "0", "--muscles", "soleus_r,tibant_r", "--out",
               "{out}.npz"], "k: must be between 1"),
    ("basis output suffix", ["synergy", "extract", "{zeros.csv}", "--out", "{out}.txt"], "--out"),
    ("all-zero table", ["synergy", "extract", "{zeros.csv}", "--k", "1", "--muscles", "soleus_r,tibant_r",
                        "--out", "{out}.npz"], "every activation is zero"),
    ("fewer rows than synergies", ["synergy", "extract", "{three_rows.csv}", "--k", "10", "--muscles",
                                   ",".join(f"m{i}" for i in range(12)), "--out", "{out}.npz"], "3 samples"),
    ("duplicated muscle columns", ["synergy", "extract", "{dup_columns.csv}", "--out", "{out}.npz"], "duplicated"),
    ("unknown muscle", ["synergy", "extract", "{zeros.csv}", "--muscles", "nosuch_r", "--out", "{out}.npz"],
     "nosuch_r"),
    ("garbage basis", ["synergy", "compare", "{garbage.npz}", "{garbage.npz}"], "garbage.npz"),
    ("mis-keyed basis", ["synergy", "compare", "{other_keys.npz}", "{other_keys.npz}"], "other_keys.npz"),
    ("garbage profile input", ["quality", "profile", "{garbage.npz}"], "garbage.npz"),
    ("not an evaluation", ["quality", "profile", "{empty_dir}"], "not an evaluation directory"),
    ("negative speed", ["env", "rollout", "--speed", "-1", "--episodes", "1"], "speed"),
    ("missing walker", ["env", "rollout", "--policy", "{tmp}/nowalker", "--episodes", "1"], "nowalker"),
    ("SB3 walker refused", ["env", "rollout", "--policy", "{sb3_walker}", "--episodes", "1"], "unpickles"),
    ("malformed walker", ["walker", "info", "{bad_walker}"], "walker.yaml"),
    ("unknown controller", ["env", "rollout", "--controller", "walking", "--episodes", "1"], "controller"),
    ("unreadable YAML", ["env", "info", "--config", "{bad.yaml}"], "bad.yaml"),
    ("a removed option turned on", ["env", "info", "--config", "{assist.yaml}"], "'assist' was removed"),
    ("unknown preset", ["train", "--preset", "gpu", "--out", "{out}"], "gpu"),
    ("unknown reference data set", ["env", "make-reference", "--dataset", "walk2020", "--out", "{out}.json"],
     "walk2020"),
    ("a walker that does not fit the run", ["train", "--preset", "finetune", "--controller", "synergy",
                                            "--init-policy", "independent-default", "--out", "{out}"],
     "acts with controller independent"),
    ("resume of a non-run", ["train", "--resume", "--out", "{empty_dir}"], "config.yaml"),
    ("setting of the other algorithm", ["train", "--config", "{ppo_with_sac.yaml}", "--out", "{out}"],
     "learning_starts is a SAC setting"),
    ("import without --trust", ["walker", "import", "{sb3_walker}", "--out", "{out}"], "--trust"),
    ("export of a non-run", ["walker", "export", "{empty_dir}", "--out", "{out}"], "config.yaml"),
    ("distilling a baseline walker", ["walker", "distill", "zero", "--out", "{out}"], "teacher: 'zero'"),
    ("distilling into an unknown action space", ["walker", "distill", "synergy-default", "--controller", "muscles",
                                                 "--out", "{out}"], "controller: must be 'independent' or 'synergy'"),
    ("distilling on missing episodes", ["walker", "distill", "synergy-default", "--episodes", "{tmp}/task.yaml",
                                        "--out", "{out}"], "task.yaml"),
    ("a downhill teacher acting otherwise", ["walker", "distill", "synergy-imitation", "--downhill-teacher",
                                            "independent-default", "--out", "{out}"], "downhill_teacher: "),
    ("a copy of a teacher in another action space", ["walker", "distill", "synergy-imitation", "--start-from-teacher",
                                                     "--out", "{out}"], "start_from_teacher: 'synergy-imitation'"),
    ("a student's learning rate of 0", ["walker", "distill", "synergy-default", "--learning-rate", "0", "--out",
                                         "{out}"], "learning_rate: must be above 0"),
    ("latest of a non-run", ["walker", "export", "{empty_dir}", "--latest", "--out", "{out}"], "config.yaml"),
    ("ranking a run without snapshots", ["walker", "rank", "{empty_dir}"], "no snapshots/"),
    ("unknown condition set", ["evaluate", "zero", "--conditions", "fast", "--out", "{out}"], "fast"),
    ("conditions CSV without speeds", ["evaluate", "zero", "--conditions", "{conditions.csv}", "--out", "{out}"],
     "conditions.csv"),
    ("report of a non-evaluation", ["report", "{empty_dir}", "--out", "{out}.html"], "not an evaluation"),
    ("video suffix", ["render", "zero", "--out", "{out}.avi"], "--out"),
    ("metrics of a missing file", ["metrics", "{tmp}/missing.csv"], "missing.csv"),
]


@pytest.mark.parametrize(("case", "arguments", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line(case: str, arguments: list[str], named: str, tmp_path: Path,
                                         shared_data: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path, shared_data)
    out = tmp_path / "output"
    values = {"tmp": str(tmp_path), "out": str(out), "r": str(shared_data / "rajagopal2016_walk"),
              **{name: str(path) for name, path in files.items()}}
    argv = []
    for argument in arguments:
        for key, value in values.items():
            argument = argument.replace("{" + key + "}", value)
        argv.append(argument)
    monkeypatch.setattr(sys, "argv", ["synergait", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    assert exit_info.value.code == 2, (case, captured.out, captured.err)
    lines = [line for line in captured.err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert "Traceback" not in captured.err
    message = " ".join(lines)
    assert named in message, (case, captured.err)
    if lines[0].startswith("error:"):
        assert len(lines) == 1, (case, captured.err)  # a usage error from typer is a framed box instead
    assert not any(p.name.startswith("output") for p in tmp_path.iterdir()), case  # nothing written
    assert not captured.out.strip() or json.loads(captured.out) is None
