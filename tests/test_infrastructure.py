"""The CloudFormation stack: lint-clean, least privilege, and what the skill and ASK CLI expect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

from skill_tools import lambda_zip, skill_package
from skill_tools.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "infrastructure" / "skill-stack.yaml"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    # cfn-lint's loader understands !Ref/!Sub/!GetAtt; the JSON round trip
    # leaves plain dicts and lists with intrinsics in their long form.
    template: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return template


def resource(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = [(k, v) for k, v in template["Resources"].items() if v["Type"] == type_]
    assert len(found) == 1, f"expected one {type_}, found {[k for k, _ in found]}"
    return found[0]


@pytest.mark.subprocess
def test_cfn_lint_passes_with_informational_checks() -> None:
    proc = subprocess.run(
        [str(CFN_LINT), "--include-checks", "I", "--", str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.subprocess
def test_cfn_lint_catches_a_broken_template(tmp_path: Path) -> None:
    """Guard against a lint call that passes whatever it is given."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        TEMPLATE.read_text().replace("Runtime: !Ref LambdaRuntime", "Runtime: python2.7")
    )
    proc = subprocess.run(
        [str(CFN_LINT), "--", str(broken)], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert "python2.7" in proc.stdout


def test_ask_cli_contract_parameters_and_output(template: dict[str, Any]) -> None:
    # @ask-cli/cfn-deployer always passes these six and reads SkillEndpoint.
    params = template["Parameters"]
    for name in (
        "SkillId",
        "LambdaRuntime",
        "LambdaHandler",
        "CodeBucket",
        "CodeKey",
        "CodeVersion",
    ):
        assert name in params
    assert template["Outputs"]["SkillEndpoint"]["Value"] == {"Ref": "LiveAlias"}
    assert params["UserIdHashKey"]["NoEcho"] is True
    assert params["MemoryTtlDays"]["Default"] == 180


def test_function_runtime_architecture_and_limits(template: dict[str, Any]) -> None:
    _, fn = resource(template, "AWS::Lambda::Function")
    props = fn["Properties"]
    assert props["Architectures"] == ["arm64"]
    runtime = template["Parameters"]["LambdaRuntime"]
    assert set(runtime["AllowedValues"]) == {"python3.12", "python3.13", "python3.14"}
    assert runtime["Default"] == f"python{lambda_zip.DEFAULT_TARGET_PYTHON}"
    assert props["Runtime"] == {"Ref": "LambdaRuntime"}
    assert template["Parameters"]["LambdaHandler"]["Default"] == "lambda_function.lambda_handler"
    assert props["Timeout"] < 8  # Alexa gives up after 8 seconds
    assert props["MemorySize"] >= 256
    assert props["Code"]["S3Bucket"] == {"Ref": "CodeBucket"}


def test_function_environment_is_the_skill_contract(template: dict[str, Any]) -> None:
    _, fn = resource(template, "AWS::Lambda::Function")
    env = fn["Properties"]["Environment"]["Variables"]
    assert set(env) == {
        "DYNAMODB_TABLE",
        "SKILL_ID",
        "USER_ID_HASH_KEY",
        "MEMORY_TTL_DAYS",
        "LOG_LEVEL",
    }
    table_id, _ = resource(template, "AWS::DynamoDB::Table")
    assert env["DYNAMODB_TABLE"] == {"Ref": table_id}
    assert env["SKILL_ID"] == {"Ref": "SkillId"}
    assert env["MEMORY_TTL_DAYS"] == {"Ref": "MemoryTtlDays"}
    # Local-only settings must never reach Lambda.
    assert not {"DYNAMODB_ENDPOINT", "DYNAMODB_CREATE_TABLE", "SQLITE_PATH"} & set(env)


def test_alexa_trigger_is_scoped_to_the_skill_on_the_alias(template: dict[str, Any]) -> None:
    _, perm = resource(template, "AWS::Lambda::Permission")
    props = perm["Properties"]
    assert props["Principal"] == "alexa-appkit.amazon.com"
    assert props["Action"] == "lambda:InvokeFunction"
    assert props["EventSourceToken"] == {"Ref": "SkillId"}
    alias_id, alias = resource(template, "AWS::Lambda::Alias")
    assert props["FunctionName"] == {"Ref": alias_id}
    version_id, _ = resource(template, "AWS::Lambda::Version")
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_table_key_ttl_recovery_and_encryption(template: dict[str, Any]) -> None:
    _, table = resource(template, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"  # listeners' memory survives a stack delete


def test_role_is_least_privilege(template: dict[str, Any]) -> None:
    table_id, _ = resource(template, "AWS::DynamoDB::Table")
    log_id, _ = resource(template, "AWS::Logs::LogGroup")
    role_id, role = resource(template, "AWS::IAM::Role")
    props = role["Properties"]
    assert "ManagedPolicyArns" not in props
    trust = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    statements = [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]
    by_actions = {tuple(sorted(s["Action"])): s for s in statements}
    assert set(by_actions) == {
        ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"),
        ("logs:CreateLogStream", "logs:PutLogEvents"),
    }
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"])
        assert statement["Resource"] != "*"
        assert "NotAction" not in statement and "NotResource" not in statement
    ddb = by_actions[("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem")]
    assert ddb["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]}
    logs = by_actions[("logs:CreateLogStream", "logs:PutLogEvents")]["Resource"]["Fn::Sub"]
    assert logs.endswith(f":log-group:${{{log_id}}}:log-stream:*")
    assert logs.startswith("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:")
    _, fn = resource(template, "AWS::Lambda::Function")
    assert fn["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_log_group_of_the_function_with_retention(template: dict[str, Any]) -> None:
    log_id, log = resource(template, "AWS::Logs::LogGroup")
    assert log["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    _, fn = resource(template, "AWS::Lambda::Function")
    assert fn["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": log_id}


#: The name property of each resource type that has one: none may be fixed.
NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SecretsManager::Secret": "Name",
}


def test_no_fixed_names_so_stacks_never_collide(template: dict[str, Any]) -> None:
    """A stack per Alexa region, or a second stack in one account and region, deploys."""
    named = {
        logical: resource_["Properties"][NAME_PROPERTIES[resource_["Type"]]]
        for logical, resource_ in template["Resources"].items()
        if NAME_PROPERTIES.get(resource_["Type"]) in resource_.get("Properties", {})
    }
    assert named == {}, "CloudFormation names these from the stack name when left out"
    assert "FunctionName" not in template["Parameters"]


def test_snapstart_is_a_documented_choice(template: dict[str, Any]) -> None:
    _, fn = resource(template, "AWS::Lambda::Function")
    assert fn["Properties"]["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    param = template["Parameters"]["SnapStart"]
    assert set(param["AllowedValues"]) == {"None", "PublishedVersions"}
    assert "SnapStart" in (REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_version_republishes_when_code_changes(template: dict[str, Any]) -> None:
    # An AWS::Lambda::Version is only replaced when its own properties change.
    _, version = resource(template, "AWS::Lambda::Version")
    description = version["Properties"]["Description"]["Fn::Sub"]
    assert "${CodeKey}" in description and "${CodeVersion}" in description
    assert "UserIdHashKey" not in description  # NoEcho value must not leak


def test_ask_resources_points_at_the_template_and_builds(template: dict[str, Any]) -> None:
    resources = json.loads((REPO_ROOT / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    assert (REPO_ROOT / profile["code"]["default"]["src"] / "massage_guide").is_dir()
    infra = profile["skillInfrastructure"]
    assert infra["type"] == "@ask-cli/cfn-deployer"
    config = infra["userConfig"]
    assert (REPO_ROOT / config["templatePath"]).resolve() == TEMPLATE
    assert config["runtime"] in template["Parameters"]["LambdaRuntime"]["AllowedValues"]
    assert config["runtime"] == template["Parameters"]["LambdaRuntime"]["Default"]
    assert config["handler"] == template["Parameters"]["LambdaHandler"]["Default"]
    reserved = {"SkillId", "LambdaRuntime", "LambdaHandler", "CodeBucket", "CodeKey", "CodeVersion"}
    for name in config.get("cfn", {}).get("parameters", {}):
        assert name in template["Parameters"] and name not in reserved
    hook = REPO_ROOT / "hooks" / "build.sh"
    assert hook.stat().st_mode & 0o111, "the ASK CLI executes the hook directly"
    assert "skill_tools.package --lambda-zip" in hook.read_text(encoding="utf-8")


def test_every_alexa_region_deploys_to_the_aws_region_that_serves_it() -> None:
    """A listener's requests and record stay in their region: EU listeners' in eu-west-1."""
    resources = json.loads((REPO_ROOT / "ask-resources.json").read_text(encoding="utf-8"))
    profile = resources["profiles"]["default"]
    assert set(profile["code"]) == set(skill_package.ALEXA_REGIONS)
    assert {code["src"] for code in profile["code"].values()} == {"./lambda"}, "one build"
    config = profile["skillInfrastructure"]["userConfig"]
    where = {"default": config["awsRegion"]}
    where |= {r: o["awsRegion"] for r, o in config["regionalOverrides"].items()}
    assert where == skill_package.ALEXA_REGIONS
    assert where["EU"] == "eu-west-1" and where["FE"] == "us-west-2"


def test_both_build_hooks_run_the_same_build() -> None:
    """build.sh (Linux, macOS) and build.ps1 (Windows) hand the CLI the `make package` zip."""
    command = "-m skill_tools.package --lambda-zip"
    for hook in ("build.sh", "build.ps1"):
        text = (REPO_ROOT / "hooks" / hook).read_text(encoding="utf-8")
        assert command in text, hook
    ps1 = (REPO_ROOT / "hooks" / "build.ps1").read_text(encoding="utf-8")
    assert "$LASTEXITCODE -ne 0" in ps1 and "$built -ne 0" in ps1, "native exit codes are checked"
    assert ps1.count("Stop-Build '") + ps1.count('Stop-Build "') >= 4, "each failure says why"
