import type { Output, Program, ProgramNode } from './program.js';

/** Text Mermaid shows as is: no quotes, colons or braces that its parser reads. */
function label(text: string, max = 60): string {
  const clean = text
    .replace(/\r/g, '⏎')
    .replace(/["{}:;#<>|]/g, (c) => `#${c.charCodeAt(0)};`)
    .replaceAll('\x1b', 'ESC');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function describeOutput(o: Output): string {
  return 'secret' in o
    ? `secret #${o.secret + 1}${o.enter ? '⏎' : ''}`
    : JSON.stringify(o.text).slice(1, -1);
}

function describeNode(n: ProgramNode): string {
  if (n.kind === 'send') return `send ${describeOutput(n.output)}`;
  if (n.kind === 'wait')
    return `wait (${n.alternatives.length} alternative${n.alternatives.length === 1 ? '' : 's'})`;
  if (n.kind === 'prompt') return 'prompt';
  if (n.kind === 'closed') return 'closed';
  return `select ${n.item}`;
}

/** The walk of a profile as a Mermaid state diagram: hops as composite states, steps inside. */
export function mermaidGraph(name: string, program: Program): string {
  const out = ['stateDiagram-v2', `  %% gatewalk graph ${name}`];
  if (program.hops.length === 0) {
    out.push('  [*] --> ready', '  ready --> [*]');
    return out.join('\n');
  }
  out.push('  [*] --> hop1');
  program.hops.forEach((hop, i) => {
    const id = `hop${i + 1}`;
    const sid = (node: string) => (node === 'done' ? '[*]' : `${id}_${node}`);
    out.push(`  state "${label(`${i + 1}. ${hop.name}`)}" as ${id} {`);
    out.push(`    [*] --> ${sid(hop.first)}`);
    // Mermaid draws no transitions out of a composite state's children: each hop gets its own
    // failure state.
    const failed = `${id}_failed`;
    out.push(`    ${failed} : failed`);
    for (const node of hop.nodes) {
      out.push(`    ${sid(node.id)} : ${label(describeNode(node))}`);
      if (node.kind === 'send' || node.kind === 'closed')
        out.push(`    ${sid(node.id)} --> ${sid(node.next)}`);
      else if (node.kind === 'select') {
        out.push(`    ${sid(node.id)} --> ${sid(node.next)} : ${label(`entry /${node.item}/`)}`);
        out.push(`    ${sid(node.id)} --> ${failed} : not found`);
      } else {
        const ways =
          node.kind === 'prompt'
            ? [{ match: `${node.match}/ at the cursor`, to: sid(node.next) }]
            : node.alternatives.map((alt) => ({
                match: `${alt.match}/`,
                to: alt.fail !== undefined ? failed : sid(alt.next ?? 'done'),
              }));
        for (const way of ways)
          out.push(`    ${sid(node.id)} --> ${way.to} : ${label(`/${way.match}`)}`);
        out.push(`    ${sid(node.id)} --> ${failed} : ${label(`timeout ${node.timeoutMs} ms`)}`);
        for (const h of node.handlers) {
          const to = h.action.kind === 'fail' ? failed : sid(node.id);
          out.push(`    ${sid(node.id)} --> ${to} : ${label(`on /${h.match}/`)}`);
        }
      }
    }
    out.push('  }');
    out.push(`  ${id} --> ${i + 1 < program.hops.length ? `hop${i + 2}` : 'ready'}`);
  });
  out.push('  ready --> [*]');
  return out.join('\n');
}
