// Renders assets/icon.svg into the two PNG icons the skill manifest needs
// (108 and 512 px square), with the resvg renderer pinned in tools/package.json.
// Run by `make icons` after editing the SVG; the PNGs are committed, so building
// the skill package needs neither Node nor this script, and
// tests/test_package.py checks that the committed PNGs are what the SVG renders to.
//
//   node tools/render-icons.js [OUT_DIR]   (default: assets/)
"use strict";

const fs = require("fs");
const path = require("path");

const REPO = path.resolve(__dirname, "..");
const { Resvg } = require(path.join(REPO, ".tools", "node_modules", "@resvg", "resvg-js"));

const SIZES = [108, 512];

function render(svg, size) {
  const options = { fitTo: { mode: "width", value: size }, font: { loadSystemFonts: false } };
  return new Resvg(svg, options).render().asPng();
}

const outDir = path.resolve(process.argv[2] || path.join(REPO, "assets"));
const svg = fs.readFileSync(path.join(REPO, "assets", "icon.svg"));
fs.mkdirSync(outDir, { recursive: true });
for (const size of SIZES) {
  const out = path.join(outDir, `icon-${size}.png`);
  fs.writeFileSync(out, render(svg, size));
  console.log(`${path.relative(REPO, out)}  ${size}x${size}`);
}
