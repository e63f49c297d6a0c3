"""`ginny image develop RAW`: develop a colour capture's RAW frame again, with another white balance,
exposure or gamma (the on-board picture is one development of it; an image team makes others)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from fsw.camera.develop import develop, jpeg
from fsw.runtime.outputs import check_export_file

EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("image", help="colour captures on the ground")
    image = p.add_subparsers(dest="image_command", required=True)
    d = image.add_parser("develop", help="develop a RAW frame (raw_NNN.png) again, as you choose")
    d.add_argument("raw", help="the RAW frame: raw_NNN.png (its record colour_NNN.json is read from beside it)")
    d.add_argument("--white-balance", default="as-shot",
                   help="as-shot (default), none, grey-world, or gains R,G,B (e.g. 2.0,1,1.6)")
    d.add_argument("--exposure", type=float, default=0.0, help="a push (or pull) in stops (default 0)")
    d.add_argument("--gamma", choices=("srgb", "linear"), default="srgb", help="the tone curve (default srgb)")
    d.add_argument("--quality", type=int, default=92, help="JPEG quality 1..100 (default 92)")
    d.add_argument("--out", default=None, help="the JPEG written (default developed_NNN.jpg here)")
    d.set_defaults(func=run_develop)


def run_develop(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ground.develop import RawError, load_raw, redevelop, white_balance

    out = out or sys.stdout
    raw_path = Path(args.raw)
    target = Path(args.out or raw_path.with_suffix(".jpg").name.replace("raw_", "developed_", 1))
    try:
        if not 1 <= args.quality <= 100:
            raise RawError(f"--quality {args.quality}: must be 1..100")
        check_export_file(target, "--out")
        raw, dev, source = load_raw(raw_path)
        dev = redevelop(dev, white_balance(args.white_balance, raw, dev), args.exposure, args.gamma)
    except (RawError, ValueError) as exc:
        print(f"ginny image develop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    target.write_bytes(jpeg(develop(raw, dev), args.quality))
    wb = ", ".join(f"{g:.3f}" for g in dev.white_balance)
    print(f"{raw_path} ({raw.shape[1]}x{raw.shape[0]}, developed on board with {source}) -> {target}: "
          f"white balance {wb}, exposure x{dev.exposure:.3g}, {dev.gamma}", file=out)
    return 0
