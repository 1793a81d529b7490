// Runs the pinned ASK CLI's own code offline, for tests/test_ask_cli.py.
//
//   node tests/ask_cli.js deploy PROJECT RESULT_JSON
//   node tests/ask_cli.js build PROJECT PLATFORM RESULT_JSON
//   node tests/ask_cli.js replay REPLAY_FILE RESULT_JSON
//
// replay: what `ask dialog --replay REPLAY_FILE` reads from the file (skill id,
// locale, the utterances it will send), by the dialog command's own code, which
// runs before the command asks SMAPI for anything.
//
// build: the CLI's code builder for every code region of PROJECT, as `ask deploy`
// runs it, on PLATFORM (linux, or win32 to see which hook and command the CLI
// picks on Windows; there the command is recorded, not run, as no PowerShell
// runs here). Without a hooks/ folder the CLI's default (pip) flow builds.
//
// deploy:
// PROJECT is a skill project folder (ask-resources.json, skill-package/, hooks/ and
// the code folder). In it, this does what `ask deploy` does after the skill package
// upload, with the CLI's own modules from .tools/node_modules/ask-cli: the code
// controller builds the code, the infrastructure controller deploys a stack per
// Alexa region with the real @ask-cli/cfn-deployer and the real AWS SDK (its calls
// go where AWS_ENDPOINT_URL says: tests/aws_loopback.py), then updates the skill
// manifest from the stack outputs, and the enable step checks the manifest's
// domains. Only the SMAPI upload that follows the manifest update is replaced (it
// records which upload the CLI chose). The AWS profile comes from $HOME/.ask and
// $HOME/.aws, as `ask configure` leaves them.
// What happened is written to RESULT_JSON; the CLI's own messages go to stdout.
"use strict";

const fs = require("fs");
const path = require("path");
const { promisify } = require("util");

const LIB = path.resolve(__dirname, "..", ".tools", "node_modules", "ask-cli", "dist", "lib");
const cli = (module) => require(path.join(LIB, module));

const PROFILE = "default";

async function deploy(project) {
  process.chdir(project); // `ask deploy` runs from the project root; paths resolve from it
  const ResourcesConfig = cli("model/resources-config");
  const Manifest = cli("model/manifest");
  const SkillCodeController = cli("controllers/skill-code-controller");
  new (cli("model/app-config"))(); // as every command does: the profiles `ask configure` wrote
  const SkillInfrastructureController = cli("controllers/skill-infrastructure-controller");
  const SkillMetadataController = cli("controllers/skill-metadata-controller");

  // As DeployCommand does before deploying, and as the skill package upload leaves it.
  new ResourcesConfig(path.join(project, "ask-resources.json"));
  new Manifest(path.join(ResourcesConfig.getInstance().getSkillMetaSrc(PROFILE), "skill.json"));
  ResourcesConfig.getInstance().setSkillId(PROFILE, "amzn1.ask.skill.00000000-0000-0000-0000-000000000000");

  const codeController = new SkillCodeController({ profile: PROFILE, doDebug: false });
  const builds = await promisify(codeController.buildCode.bind(codeController))();

  const infrastructure = new SkillInfrastructureController({ profile: PROFILE, doDebug: false });
  let upload = null;
  infrastructure._ensureSkillManifestGotUpdated = (callback) => {
    upload = Manifest.getInstance().hasIconFileUri() ? "skill package" : "skill manifest";
    callback();
  };
  await promisify(infrastructure.deployInfrastructure.bind(infrastructure))();
  const states = JSON.parse(fs.readFileSync(path.join(project, ".ask", "ask-states.json"), "utf-8"));
  const deployed = states.profiles[PROFILE].skillInfrastructure["@ask-cli/cfn-deployer"].deployState;

  let enable = "enabled";
  try {
    new SkillMetadataController({ profile: PROFILE, doDebug: false }).validateDomain();
  } catch (error) {
    enable = String(error.message || error).trim();
  }
  return {
    skillId: ResourcesConfig.getInstance().getSkillId(PROFILE),
    builds: builds.map(({ src, build, buildFlow, regionsList }) =>
      ({ src, file: build.file, buildFlow, regionsList })),
    deployState: deployed,
    upload,
    enable,
  };
}

async function build(project, platform) {
  Object.defineProperty(process, "platform", { value: platform });
  process.chdir(project);
  const ResourcesConfig = cli("model/resources-config");
  const CustomBuildFlow = cli("builtins/build-flows/custom");
  const commands = [];
  if (platform === "win32") {
    // The command line the CLI would hand to the shell; recorded, not run.
    CustomBuildFlow.prototype.execCommand = function record(command) {
      commands.push(command);
    };
  }
  new ResourcesConfig(path.join(project, "ask-resources.json"));
  const SkillCodeController = cli("controllers/skill-code-controller");
  const controller = new SkillCodeController({ profile: PROFILE, doDebug: false });
  const builds = await promisify(controller.buildCode.bind(controller))();
  return {
    hook: CustomBuildFlow._customScriptPath,
    commands,
    builds: builds.map(({ src, build, buildFlow, regionsList }) =>
      ({ src, file: build.file, buildFlow, regionsList })),
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
  if (command === "deploy" && args.length === 2) {
    result = await deploy(path.resolve(args[0]));
  } else if (command === "build" && args.length === 3) {
    result = await build(path.resolve(args[0]), args[1]);
  } else if (command === "replay" && args.length === 2) {
    result = replay(path.resolve(args[0]));
  } else {
    throw new Error("usage: node tests/ask_cli.js deploy PROJECT RESULT_JSON\n" +
      "       node tests/ask_cli.js build PROJECT PLATFORM RESULT_JSON\n" +
      "       node tests/ask_cli.js replay REPLAY_FILE RESULT_JSON");
  }
  fs.writeFileSync(args[args.length - 1], JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
