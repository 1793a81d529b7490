"""Build what ships: dist/lambda.zip for AWS Lambda and skill-package/ for SMAPI.

The command behind `make package` and the build hooks (``--lambda-zip FILE``, the
zip alone); ``lambda_zip`` builds the zip and ``skill_package`` regenerates the
committed skill package.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from skill_tools.lambda_zip import DEFAULT_TARGET_PYTHON, build_lambda_zip
from skill_tools.paths import DIST
from skill_tools.skill_package import SKILL_PACKAGE, describe, regenerate


def main(argv: list[str] | None = None) -> int:
    """`make package`: the zip into dist/, and skill-package/ regenerated."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=DIST)
    parser.add_argument("--skill-package", type=Path, default=SKILL_PACKAGE)
    parser.add_argument("--lambda-zip", type=Path, help="write only the Lambda zip, here")
    parser.add_argument(
        "--target-python", help=f"Lambda runtime version (default: {DEFAULT_TARGET_PYTHON})"
    )
    parser.add_argument("--no-bytecode", action="store_true", help="ship .py files only")
    parser.add_argument("--endpoint-arn", help="the default region's function/alias ARN")
    args = parser.parse_args(argv)

    zip_path = args.lambda_zip or args.dist / "lambda.zip"
    build = build_lambda_zip(
        zip_path, target_python=args.target_python, bytecode=not args.no_bytecode
    )
    note = f"bytecode for Python {build.bytecode_for}" if build.bytecode_for else (
        "no bytecode: no interpreter of the target version here (set TARGET_PYTHON_EXE)"
    )  # fmt: skip
    print(f"{build.path}  {build.size} bytes  sha256 {build.sha256}  ({note})")
    if args.lambda_zip:
        return 0
    print(describe(regenerate(args.skill_package, endpoint_arn=args.endpoint_arn)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
