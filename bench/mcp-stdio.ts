// Shared by the MCP benchmarks: the real-OpenSSH lab, the profiles written for it (a direct bash
// host, and a 3-hop walk menu -> master -> busybox ash pod), and the built `gatewalk serve`
// driven over stdio by the SDK's Client, as an MCP host would start it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { INNER_PROMPTS, PROMPTS, startOpenSshLab, type OpenSshLab } from '../lab/openssh/sshd.js';
import { packagePath } from '../src/paths.js';

export const CLI = packagePath('dist', 'src', 'cli', 'index.js');

/**
 * The 3-hop walk in the lab: koko's menu (`Opt> `), its asset `k8s-master-01` as root (bash
 * behind koko's own `ssh -tt`), then the lab's kubectl into the busybox ash pod. koko's assets
 * do not have the lab's kubectl on their PATH: it is called by its path in the lab's folder.
 */
export const WALK = {
  asset: 'k8s-master-01',
  account: 'root',
  /** The asset's prompt, as a regex source: `[root@k8s-master-01 ~]$ `. */
  assetPrompt: '\\[root@k8s-master-01 [^\\]]*\\]\\$ $',
  kubectl: '"$GW_LAB_DIR"/bin/kubectl exec -it ash-pod -- sh',
  /** The pod's prompt, as a regex source: `/ # `. */
  podPrompt: INNER_PROMPTS.ashPod,
} as const;

const yq = (text: string) => `'${text.replaceAll("'", "''")}'`;

function connect(lab: OpenSshLab, entry: 'bash' | 'koko'): string {
  return `{ host: 127.0.0.1, port: ${lab.port}, user: ${lab.user}, private_key: { file: ${yq(lab.key(entry))} }, host_key: { fingerprint: ${yq(lab.fingerprint)} } }`;
}

/**
 * A temporary profile folder: `direct` (the lab's `bash` entry, one hop) and `ash-pod` (menu ->
 * master -> pod, as WALK says).
 */
export function writeProfiles(lab: OpenSshLab): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatewalk-bench-profiles-'));
  writeFileSync(
    join(dir, 'bench.yaml'),
    `version: 1
profiles:
  direct:
    connect: ${connect(lab, 'bash')}
    timeout: 10s
    hops:
      - { name: host, prompt: ${yq(PROMPTS.bash)}, shell: posix, exit: exit }
  ash-pod:
    connect: ${connect(lab, 'koko')}
    timeout: 10s
    on: [{ match: 'Press any key to continue', send_text: '' }]
    hops:
      - { name: menu, prompt: ${yq(PROMPTS.koko)}, shell: none, exit: q }
      - name: master
        steps:
          - send_text: ${WALK.asset}
          - wait_for: ${yq(INNER_PROMPTS.kokoAccount)}
          - send_text: ${WALK.account}
        prompt: ${yq(WALK.assetPrompt)}
        shell: posix
        exit: exit
      - name: pod
        steps: [{ send_text: ${yq(WALK.kubectl)} }]
        prompt: ${yq(WALK.podPrompt)}
        shell: posix
        exit: exit
`,
  );
  return dir;
}

/** The lab and the bench's profile folder; `close` stops sshd and removes both folders. */
export async function benchLab(): Promise<{
  lab: OpenSshLab;
  profiles: string;
  close: () => Promise<void>;
}> {
  const lab = await startOpenSshLab();
  const profiles = writeProfiles(lab);
  return {
    lab,
    profiles,
    close: async () => {
      await lab.close();
      rmSync(profiles, { recursive: true, force: true });
    },
  };
}

export interface Served {
  client: Client;
  /** A tool call; throws with the result's text when it is an error. */
  call(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Closes stdin (the server leaves every session's hops and exits), removes the runtime. */
  close(): Promise<void>;
}

/** `gatewalk serve --no-viewer` over stdio, its runtime in a temporary folder. */
export async function serveStdio(profiles: string): Promise<Served> {
  const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-bench-runtime-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    // BENCH_SERVE_NODE_ARGS: node options for the server only (`--cpu-prof --cpu-prof-dir=/tmp/p`).
    args: [
      ...(process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean),
      CLI,
      'serve',
      '--profiles',
      profiles,
      '--runtime',
      runtime,
      '--no-viewer',
    ],
    env: { PATH: process.env.PATH ?? '', HOME: runtime, GATEWALK_CLIENT_LABEL: 'bench' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'gatewalk-bench', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  return {
    client,
    stderr: () => stderr,
    async call(name, args = {}) {
      const r = (await client.callTool({ name, arguments: args }, undefined, {
        timeout: 600_000,
      })) as CallToolResult;
      if (r.isError) {
        const text = r.content.map((c) => (c.type === 'text' ? c.text : c.type)).join('\n');
        throw new Error(`${name} failed: ${text}`);
      }
      return r.structuredContent as Record<string, unknown>;
    },
    async close() {
      await client.close();
      await exited(pid);
      rmSync(runtime, { recursive: true, force: true });
    },
  };
}

/** Resolves once the process is gone (at most 10 s: the server leaves its hops first). */
function exited(pid: number | null | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const timer = setInterval(() => {
      let alive = performance.now() - t0 < 10_000;
      try {
        if (alive) process.kill(pid ?? 0, 0);
      } catch {
        alive = false;
      }
      if (!alive) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
}
