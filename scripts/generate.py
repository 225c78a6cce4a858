"""Write a generated instance of the HKSH sample's shape (a thin wrapper on
roster.domain.sources.generated).

python scripts/generate.py --clinicians 300 --weeks 2 --seed 1 --out big/
"""

from __future__ import annotations

import argparse
import time

from roster.domain.sources.generated import write_instance


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clinicians", type=int, default=100, help="number of clinicians (100)")
    ap.add_argument("--weeks", type=int, default=1, help="number of weeks, Monday to Sunday (1)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--out", required=True, help="folder to write the CSV files and rules.yaml to")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    folder = write_instance(args.out, args.clinicians, args.weeks, args.seed)
    seconds = time.perf_counter() - t0
    print(
        f"Wrote {args.clinicians} clinicians over {args.weeks} week(s), seed {args.seed}, "
        f"to {folder} in {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
