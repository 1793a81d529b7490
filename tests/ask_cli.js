// Runs the pinned ASK CLI's own code offline, for tests/test_ask_cli.py.
//
//   node tests/ask_cli.js deploy PROJECT ENDPOINT_ARN RESULT_JSON
//   node tests/ask_cli.js replay REPLAY_FILE RESULT_JSON
//
// replay: what `ask dialog --replay REPLAY_FILE` reads from the file (skill id,
// locale, the utterances it will send), by the dialog command's own code, which
// runs before the command asks SMAPI for anything.
//
// deploy:
// PROJECT is a skill project folder (ask-resources.json, the built skill package,
// hooks/ and the code folder). In it, this does what `ask deploy` does after the
// skill package upload, with the CLI's own modules from .tools/node_modules/ask-cli:
// the code controller builds the code (for us, its custom build flow runs
// hooks/build.sh), then the infrastructure controller deploys the infrastructure
// and updates the skill manifest from the result, and the enable step checks the
// manifest's domains. Only what needs the network is replaced: the CloudFormation
// deployer (it answers with the stack output the real one reads) and the SMAPI
// upload that follows the manifest update (it records which upload the CLI chose).
// What happened is written to RESULT_JSON; the CLI's own messages go to stdout.
"use strict";

const fs = require("fs");
const path = require("path");
const { promisify } = require("util");

const LIB = path.resolve(__dirname, "..", ".tools", "node_modules", "ask-cli", "dist", "lib");
const cli = (module) => require(path.join(LIB, module));

const PROFILE = "default";

/** The cfn-deployer's answer for a stack whose SkillEndpoint output is `endpointArn`. */
function fakeCloudFormationDeployer(endpointArn, calls) {
  return {
    bootstrap: (options, callback) => callback(null, { userConfig: options.userConfig }),
    invoke: (reporter, options, callback) => {
      calls.push({ alexaRegion: options.alexaRegion, skillId: options.skillId,
        codeBuild: options.code.codeBuild, isCodeModified: options.code.isCodeModified });
      callback(null, {
        isAllStepSuccess: true,
        isCodeDeployed: true,
        deployState: {
          s3: { bucket: "ask-back-massage-guide-default", key: "endpoint/build.zip" },
          stackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/ask-backmassageguide/1",
          outputs: [{ OutputKey: "SkillEndpoint", OutputValue: endpointArn }],
        },
        endpoint: { uri: endpointArn },
        resultMessage: `The CloudFormation deploy succeeded with output Lambda ARN: ${endpointArn}.`,
      });
    },
  };
}

async function deploy(project, endpointArn) {
  process.chdir(project); // `ask deploy` runs from the project root; paths resolve from it
  const ResourcesConfig = cli("model/resources-config");
  const Manifest = cli("model/manifest");
  const DeployDelegate = cli("controllers/skill-infrastructure-controller/deploy-delegate");
  const SkillCodeController = cli("controllers/skill-code-controller");
  const SkillInfrastructureController = cli("controllers/skill-infrastructure-controller");
  const SkillMetadataController = cli("controllers/skill-metadata-controller");

  // As DeployCommand does before deploying, and as the skill package upload leaves it.
  new ResourcesConfig(path.join(project, "ask-resources.json"));
  new Manifest(path.join(ResourcesConfig.getInstance().getSkillMetaSrc(PROFILE), "skill.json"));
  ResourcesConfig.getInstance().setSkillId(PROFILE, "amzn1.ask.skill.00000000-0000-0000-0000-000000000000");

  const codeController = new SkillCodeController({ profile: PROFILE, doDebug: false });
  const builds = await promisify(codeController.buildCode.bind(codeController))();

  const calls = [];
  DeployDelegate.load = (type, callback) =>
    callback(null, new DeployDelegate(type, fakeCloudFormationDeployer(endpointArn, calls)));
  const infrastructure = new SkillInfrastructureController({ profile: PROFILE, doDebug: false });
  let upload = null;
  infrastructure._ensureSkillManifestGotUpdated = (callback) => {
    upload = Manifest.getInstance().hasIconFileUri() ? "skill package" : "skill manifest";
    callback();
  };
  await promisify(infrastructure.deployInfrastructure.bind(infrastructure))();

  let enable = "enabled";
  try {
    new SkillMetadataController({ profile: PROFILE, doDebug: false }).validateDomain();
  } catch (error) {
    enable = String(error.message || error).trim();
  }
  return {
    skillId: ResourcesConfig.getInstance().getSkillId(PROFILE),
    builds: builds.map(({ src, build, buildFlow }) => ({ src, file: build.file, buildFlow })),
    deployerCalls: calls,
    upload,
    enable,
  };
}

function replay(replayFile) {
  const { DialogCommand } = cli("commands/dialog");
  // _resolvedArguments needs nothing from the constructor, which wants a SMAPI client.
  const command = Object.create(DialogCommand.prototype);
  return command._resolvedArguments({ replay: replayFile }, PROFILE);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  let result;
  if (command === "deploy" && args.length === 3) {
    result = await deploy(path.resolve(args[0]), args[1]);
  } else if (command === "replay" && args.length === 2) {
    result = replay(path.resolve(args[0]));
  } else {
    throw new Error("usage: node tests/ask_cli.js deploy PROJECT ENDPOINT_ARN RESULT_JSON\n" +
      "       node tests/ask_cli.js replay REPLAY_FILE RESULT_JSON");
  }
  fs.writeFileSync(args[args.length - 1], JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
