// The house reads as the guide says: docs/ARCHITECTURE.md's module map has one entry per folder
// (and no entry for a folder that is gone), its table of layer rules names every rule of
// .dependency-cruiser.cjs, and every document a comment cites is in this repository, with the
// section it names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const guide = read('docs/ARCHITECTURE.md');

/** Folders below `rel`, as `rel/sub/` (all levels when `deep`). */
function foldersBelow(rel: string, deep: boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = `${rel}/${e.name}`;
    out.push(`${sub}/`);
    if (deep) out.push(...foldersBelow(sub, true));
  }
  return out;
}

/** What the repository holds (not what a build or the bench generates, which git ignores). */
function repositoryFolders(): string[] {
  const top = ['.ci', 'bench', 'bin', 'docs', 'native', 'prebuilds', 'scripts', 'src', 'test'];
  return [...top.map((t) => `${t}/`), ...foldersBelow('src', true), ...foldersBelow('native', true), ...foldersBelow('test', false)].sort();
}

/** The section of a Markdown document between a `## n.` heading and the next `## `. */
function section(doc: string, n: number): string {
  const start = doc.search(new RegExp(`^## ${n}\\. `, 'm'));
  assert.ok(start >= 0, `section ${n} not found`);
  const next = doc.slice(start + 1).search(/^## /m);
  return next < 0 ? doc.slice(start) : doc.slice(start, start + 1 + next);
}

/** Files of the code (not prose) below the repository's source folders. */
function codeFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const sub = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (sub !== 'bench/out') walk(sub);
      } else if (/\.(ts|mjs|cjs|cc|h|sh|gyp)$/.test(e.name)) out.push(sub);
    }
  };
  for (const dir of ['src', 'native', 'test', 'bench', 'bin', 'scripts', '.ci']) walk(dir);
  return out;
}

describe('docs/ARCHITECTURE.md against the code', function () {
  it('the module map (section 3) has one entry per folder of the repository, and none for a folder that does not exist', function () {
    const map = section(guide, 3);
    const planned = map.slice(map.search(/^### 3\.4 /m));
    const entries = [...map.replace(planned, '').matchAll(/^#### `([^`]+)`/gm)].map((m) => m[1]);
    const folders = entries.filter((e) => e.endsWith('/')).sort();
    assert.deepEqual(
      folders.filter((f) => !repositoryFolders().includes(f)),
      [],
      'entries without a folder',
    );
    assert.deepEqual(
      repositoryFolders().filter((f) => !folders.includes(f)),
      [],
      'folders without an entry',
    );
    assert.equal(new Set(entries).size, entries.length, 'an entry appears twice');
    for (const file of entries.filter((e) => !e.endsWith('/')))
      assert.ok(fs.existsSync(path.join(root, file)), `${file} is in the map but not in src/`);
  });

  it('the table of layer rules (section 4) names every rule of .dependency-cruiser.cjs, and only those', function () {
    const rules = (
      createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> }
    ).forbidden.map((r) => r.name);
    const listed = [...section(guide, 4).matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...rules].sort());
  });

  it('comments cite documents of this repository, and the sections they name exist', function () {
    const problems: string[] = [];
    for (const file of codeFiles()) {
      const text = read(file);
      for (const m of text.matchAll(/DESIGN(?:\.md)? §|\.\.\/shared|reference\/[a-z-]+\.md/g))
        problems.push(`${file}: cites "${m[0]}", outside this repository`);
      for (const m of text.matchAll(/docs\/([A-Z-]+\.md)(?:,? §(\d+)(?:\.(\d+))?)?/g)) {
        const doc = `docs/${m[1]}`;
        if (!fs.existsSync(path.join(root, doc))) {
          problems.push(`${file}: cites ${doc}, which does not exist`);
          continue;
        }
        if (!m[2]) continue;
        const heading = m[3] ? new RegExp(`^### ${m[2]}\\.${m[3]} `, 'm') : new RegExp(`^## ${m[2]}\\. `, 'm');
        if (!heading.test(read(doc))) problems.push(`${file}: cites ${m[0]}, which has no such section`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
