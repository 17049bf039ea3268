import { join } from 'node:path';
import { writeFileAtomically, writeResults, type Results } from './results.ts';
import { renderJunit } from './junit.ts';
import { renderHtml } from './report-html.ts';
import { renderSummaryMarkdown } from './summary-markdown.ts';

/** Writes results.json and every report rendered from it into `dir`; returns the paths. */
export function writeReports(dir: string, results: Results): string[] {
  const paths = [writeResults(dir, results)];
  const summary = join(dir, 'summary.md');
  writeFileAtomically(summary, renderSummaryMarkdown(results));
  paths.push(summary);
  const junit = join(dir, 'junit.xml');
  writeFileAtomically(junit, renderJunit(results));
  paths.push(junit);
  const html = join(dir, 'report.html');
  writeFileAtomically(html, renderHtml(results));
  paths.push(html);
  return paths;
}
