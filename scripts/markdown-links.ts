// Finds relative links in the project's Markdown that lead nowhere: a file that does not exist, or an
// anchor (#section) that no heading of the target produces. Run by `npm test` (markdown-links.test.ts)
// and on its own with `npx tsx scripts/markdown-links.ts`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BrokenLink {
  file: string;
  line: number;
  target: string;
  problem: string;
}

// README.md and everything under docs/.
export function projectMarkdownFiles(root: string): string[] {
  const files = [path.join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) files.push(full);
    }
  };
  if (existsSync(path.join(root, 'docs'))) walk(path.join(root, 'docs'));
  return files.filter((file) => existsSync(file));
}

// Text outside fenced code blocks, with inline code blanked: a link shown as code is not a link.
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
  });
}

// The anchors GitHub gives a file's headings: lower case, punctuation dropped, each space a hyphen, and
// -1, -2 ... for repeats.
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

export function brokenLinks(files: string[], root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let found = anchorsOf.get(file);
    if (!found) anchorsOf.set(file, (found = headingAnchors(readFileSync(file, 'utf8'))));
    return found;
  };
  for (const file of files) {
    proseLines(readFileSync(file, 'utf8')).forEach((text, index) => {
      for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = match[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const report = (problem: string) => broken.push({ file: path.relative(root, file), line: index + 1, target, problem });
        const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
        const linked = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
        if (!linked.startsWith(root)) {
          report('leads outside the repository');
          continue;
        }
        if (!existsSync(linked)) {
          report('no such file');
          continue;
        }
        if (anchor === undefined || anchor === '') continue;
        if (statSync(linked).isDirectory() || !linked.endsWith('.md')) {
          report('an anchor into something that is not a Markdown file');
          continue;
        }
        if (!anchors(linked).has(decodeURIComponent(anchor).toLowerCase())) report(`no heading makes the anchor #${anchor}`);
      }
    });
  }
  return broken;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const broken = brokenLinks(projectMarkdownFiles(root), root);
  for (const link of broken) console.log(`${link.file}:${link.line}: ${link.target} — ${link.problem}`);
  console.log(broken.length === 0 ? 'No broken links.' : `${broken.length} broken link(s).`);
  process.exitCode = broken.length === 0 ? 0 : 1;
}
