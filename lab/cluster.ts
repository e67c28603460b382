import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packagePath } from '../src/paths.js';
import type { Scenario } from './scenario.js';
import { shellQuote } from './shell.js';

/** What the fake kubectl reads (GATEWALK_LAB_CLUSTER), written once per SSH session. */
export interface ClusterFile {
  sessionDir: string;
  bash: string;
  busybox: string | null;
  podPath: string;
  namespaces: {
    name: string;
    age: string;
    pods: (Omit<Scenario['namespaces'][number]['pods'][number], 'files'> & { root: string })[];
  }[];
}

export interface SessionTools {
  bash: string;
  busybox: string | null;
  systemPath: string;
}

/**
 * Lays out one SSH session's scratch directory: `home/` for the master shell, `bin/kubectl`,
 * `cluster.json`, and a fake root per pod under `pods/NS/POD/` with the scenario's files. Pods
 * are per session, so what one test writes inside a pod no other session sees.
 */
export function materialiseSession(dir: string, scenario: Scenario, tools: SessionTools) {
  const home = join(dir, 'home');
  const bin = join(dir, 'bin');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(bin, { recursive: true });
  // The wrapper pins the node binary the lab runs on, whatever the user's PATH says, and runs
  // the pod shell that `kubectl exec` plans (see kubectl.mjs) once node has exited.
  const kubectl = join(bin, 'kubectl');
  writeFileSync(
    kubectl,
    [
      '#!/bin/sh',
      `plan=${shellQuote(join(dir, 'kubectl-plan.'))}$$`,
      `GATEWALK_KUBECTL_PLAN="$plan" ${shellQuote(process.execPath)} ${shellQuote(packagePath('lab', 'bin', 'kubectl.mjs'))} "$@"`,
      'rc=$?',
      '[ -f "$plan" ] || exit $rc',
      'cmd=$(cat "$plan"); rm -f "$plan"',
      'eval "$cmd"; rc=$?',
      '[ $rc -eq 0 ] || echo "command terminated with exit code $rc" >&2',
      'exit $rc',
      '',
    ].join('\n'),
  );
  chmodSync(kubectl, 0o755);

  const cluster: ClusterFile = {
    sessionDir: dir,
    bash: tools.bash,
    busybox: tools.busybox,
    podPath: tools.systemPath,
    namespaces: scenario.namespaces.map((ns) => ({
      name: ns.name,
      age: ns.age,
      pods: ns.pods.map(({ files, ...pod }) => {
        const root = join(dir, 'pods', ns.name, pod.name);
        mkdirSync(root, { recursive: true });
        for (const [path, text] of Object.entries(files)) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), text);
        }
        return { ...pod, root };
      }),
    })),
  };
  const clusterFile = join(dir, 'cluster.json');
  writeFileSync(clusterFile, JSON.stringify(cluster));
  return { home, bin, clusterFile };
}
