import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, headingAnchors, projectMarkdownFiles } from './markdown-links.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('links in README.md and docs/', () => {
  it('when every Markdown file of the project is read, then no relative link or anchor leads nowhere', () => {
    const files = projectMarkdownFiles(ROOT);
    expect(files.length).toBeGreaterThan(1);
    expect(brokenLinks(files, ROOT)).toEqual([]);
  });

  describe('the checker itself', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'examgate-links-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('when a link names a missing file or a heading that is not there, then each is reported with its line', () => {
      mkdirSync(path.join(dir, 'docs'));
      writeFileSync(path.join(dir, 'docs', 'guide.md'), '# Guide\n\n## The `device` policy: what it does\n\n## Notes\n\n## Notes\n');
      writeFileSync(
        path.join(dir, 'README.md'),
        [
          '# Project',
          '[fine](docs/guide.md#the-device-policy-what-it-does) [also fine](docs/guide.md#notes-1) [here](#project)',
          '[gone](docs/missing.md)',
          '[bad anchor](docs/guide.md#no-such-heading)',
          '`[in code](docs/missing.md)` [web](https://example.org/x)',
          '```',
          '[in a fence](docs/missing.md)',
          '```',
        ].join('\n'),
      );
      const broken = brokenLinks(projectMarkdownFiles(dir), dir);
      expect(broken.map(({ file, line, target }) => `${file}:${line} ${target}`)).toEqual([
        'README.md:3 docs/missing.md',
        'README.md:4 docs/guide.md#no-such-heading',
      ]);
    });

    it('when headings carry code, links and punctuation, then the anchors are the ones GitHub makes', () => {
      expect([...headingAnchors('## `POST /api/check-in`\n### Lock policies: a device is a device, not an address\n## Tests\n## Tests')]).toEqual([
        'post-apicheck-in',
        'lock-policies-a-device-is-a-device-not-an-address',
        'tests',
        'tests-1',
      ]);
    });
  });
});
