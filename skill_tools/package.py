"""Build what ships: dist/lambda.zip for AWS Lambda and dist/skill-package/ for SMAPI.

The command behind `make package` and hooks/build.sh (``--lambda-zip FILE``, the
zip alone); ``lambda_zip`` builds the zip and ``skill_package`` the skill package.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from skill_tools.lambda_zip import DEFAULT_TARGET_PYTHON, build_lambda_zip
from skill_tools.paths import DIST
from skill_tools.skill_package import (
    POLICY_URL_SETTINGS,
    build_skill_package,
    deployed_endpoint,
    policy_urls_from_environment,
)


def main(argv: list[str] | None = None) -> int:
    """`make package`: both artefacts into dist/."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=DIST)
    parser.add_argument("--lambda-zip", type=Path, help="write only the Lambda zip, here")
    parser.add_argument(
        "--target-python", help=f"Lambda runtime version (default: {DEFAULT_TARGET_PYTHON})"
    )
    parser.add_argument("--no-bytecode", action="store_true", help="ship .py files only")
    parser.add_argument("--endpoint-arn", help="function/alias ARN for skill.json endpoints")
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
    arn = args.endpoint_arn or os.environ.get("SKILL_ENDPOINT_ARN") or deployed_endpoint()
    urls = policy_urls_from_environment()
    files = build_skill_package(args.dist / "skill-package", endpoint_arn=arn, policy_urls=urls)
    where = arn or "left for ask deploy to fill"
    models = sum(1 for f in files if f.parent.name == "custom")
    icons = sum(1 for f in files if f.suffix == ".png")
    missing = [POLICY_URL_SETTINGS[f] for f in POLICY_URL_SETTINGS if f not in urls]
    policies = "set" if not missing else f"not set ({', '.join(missing)}; certification needs them)"
    print(
        f"{files[0].parent}  {models} interaction model(s), {icons} icon(s); "
        f"endpoint: {where}; policy URLs: {policies}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
