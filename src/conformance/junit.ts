/**
 * The JUnit XML report of a conformance run: one testsuite, one testcase per case, with a
 * <failure> carrying the first mismatch, an <error> when the case could not be played, and
 * <skipped> for kubelife-only cases against another cluster. The steps go in <system-out>.
 */
import type { RunReport } from './runner.ts';

export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The report as JUnit XML (the Jenkins/Surefire flavour CI systems read). */
export function junitXml(r: RunReport): string {
  const failures = r.results.filter((x) => x.status === 'failed').length;
  const errors = r.results.filter((x) => x.status === 'error').length;
  const attrs = `tests="${r.results.length}" failures="${failures}" errors="${errors}" skipped="${r.skipped}" time="${r.durationSeconds.toFixed(3)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubelife conformance" ${attrs}>`,
    `  <testsuite name="kubelife conformance (${r.target})" ${attrs}>`,
  ];
  for (const c of r.results) {
    lines.push(`    <testcase classname="kubelife.conformance" name="${xmlEscape(c.name)}" file="${xmlEscape(c.file)}" time="${c.durationSeconds.toFixed(3)}">`);
    const msg = xmlEscape(c.firstMismatch ?? '');
    if (c.status === 'failed') lines.push(`      <failure message="${msg}" type="mismatch">${msg}</failure>`);
    else if (c.status === 'error') lines.push(`      <error message="${msg}" type="error">${msg}</error>`);
    else if (c.status === 'skipped') lines.push(`      <skipped message="${msg}"/>`);
    const out = [`namespace ${c.namespace}${c.namespaceDeleted ? ' (deleted)' : ' (NOT deleted)'}`, ...c.steps.map((s) => `${s.status.padEnd(7)} ${s.what}${s.atSeconds !== undefined ? ` @ ${s.atSeconds.toFixed(1)}s` : ''}`)];
    lines.push(`      <system-out>${xmlEscape(out.join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
