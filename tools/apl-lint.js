// Lint APL documents with Amazon's apl-suggester, offline.
// Usage: node tools/apl-lint.js OUT.json DOC.json...   (apl-suggester resolved through NODE_PATH)
// Writes {"<doc path>": [{path, errorMessage, level}, ...]} to OUT.json: the library logs
// to stdout as it works, so the findings go to a file of their own.
'use strict';
const fs = require('fs');
const { StaticAplTemplateValidator } = require('apl-suggester');

async function main() {
  const [out, ...documents] = process.argv.slice(2);
  const findings = {};
  for (const file of documents) {
    const document = JSON.parse(fs.readFileSync(file, 'utf8'));
    // A fresh validator per document: the library keeps state between calls.
    findings[file] = await new StaticAplTemplateValidator().validate(document);
  }
  fs.writeFileSync(out, JSON.stringify(findings));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
