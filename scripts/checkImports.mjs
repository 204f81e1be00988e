// Runs the import rules (importRules.mjs) over every TypeScript file under src/; exits 1 on a violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { checkFile } from './importRules.mjs';

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|tsx)$/.test(name)) yield p;
  }
}

const problems = [];
for (const file of files('src')) problems.push(...checkFile(relative('src', file).split(sep).join('/'), readFileSync(file, 'utf8')));
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} import rule violation(s)`);
  process.exit(1);
}
console.log('import rules: ok');
