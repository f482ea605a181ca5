/**
 * `kubelife diagram [MACHINE|all] [--format mermaid|svg] [--out DIR]`: writes each machine's
 * Mermaid page (docs/machines/<id>.md and the index README.md) or, on request, an elkjs-laid-out
 * SVG. A single machine named without --out is printed to stdout instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/load.ts';
import { machineGraph, machineGraphs, type MachineGraph } from '../diagram/graph.ts';
import { machineMarkdown, machinesIndex, toMermaid } from '../diagram/mermaid.ts';
import { layoutMachine, renderSvg } from '../diagram/layout.ts';

export interface DiagramFlags { format?: string; out?: string }

export const DEFAULT_DIAGRAM_DIR = 'docs/machines';

/** Every file `kubelife diagram all` writes (mermaid format), by name, from the current machines. */
export function mermaidFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const graphs = machineGraphs();
  for (const g of graphs) files.set(`${g.id}.md`, machineMarkdown(g));
  files.set('README.md', machinesIndex(graphs));
  return files;
}

async function svgOf(g: MachineGraph): Promise<string> {
  return renderSvg(await layoutMachine(g), { title: `${g.title} (${g.source})` });
}

/** Runs the diagram command; returns the exit code. */
export async function diagram(machine: string | undefined, flags: DiagramFlags, out: (s: string) => void): Promise<number> {
  const format = flags.format ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'svg') throw new InputError(`--format: "${format}" is not a diagram format (use --format mermaid or --format svg)`);
  const name = machine ?? 'all';
  const graphs = machineGraphs();
  if (name !== 'all' && !machineGraph(name)) {
    throw new InputError(`diagram: unknown machine "${name}" (valid: all, ${graphs.map((g) => g.id).join(', ')})`);
  }
  if (name !== 'all' && flags.out === undefined) {
    const g = machineGraph(name)!;
    out((format === 'svg' ? await svgOf(g) : toMermaid(g)).trimEnd());
    return 0;
  }
  const dir = flags.out ?? DEFAULT_DIAGRAM_DIR;
  const write = (file: string, text: string) => {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), text);
    } catch (e) {
      throw new InputError(`--out: cannot write ${join(dir, file)} (${(e as { code?: string }).code ?? String(e)})`);
    }
    out(`wrote ${join(dir, file)}`);
  };
  if (format === 'svg') {
    for (const g of name === 'all' ? graphs : [machineGraph(name)!]) write(`${g.id}.svg`, await svgOf(g));
    return 0;
  }
  const files = mermaidFiles();
  if (name === 'all') for (const [file, text] of files) write(file, text);
  else write(`${name}.md`, files.get(`${name}.md`)!);
  return 0;
}
