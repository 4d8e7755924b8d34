/**
 * Every relative link in the repository's Markdown (READMEs, docs/) points at a file or
 * folder that exists: a newcomer following the docs never lands on a missing page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../src/repo-root';

const root = repoRoot(__dirname);
const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && existsSync(join(root, f)));

/** The relative targets of `[text](target)` links, code blocks left out. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^([a-z][a-z0-9+.-]*:|#|\/)/i.test(t));
}

test('the repository has Markdown to check', () => {
  expect(markdown).toContain('README.md');
});

test.each(markdown)('%s: every relative link resolves', (file) => {
  const missing = relativeLinks(readFileSync(join(root, file), 'utf8')).filter((target) => {
    const path = decodeURIComponent(target.split('#')[0]);
    return path !== '' && !existsSync(join(root, dirname(file), path));
  });
  expect(missing).toEqual([]);
});
