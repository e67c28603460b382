import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { GatewalkError } from '../src/errors.js';
import { packagePath } from '../src/paths.js';
import { loadYamlFile, locate } from '../src/yaml/load.js';

/** A target host in the CMSM menu. */
export interface Target {
  ip: string;
  name: string;
  cluster: string;
  status: string;
  users: string[];
}

export interface Pod {
  name: string;
  namespace: string;
  status: string;
  ready: string;
  restarts: number;
  age: string;
  container: string;
  shell: 'bash' | 'ash' | 'none';
  prompt: string;
  logs?: string;
  files: Record<string, string>;
}

export interface Namespace {
  name: string;
  age: string;
  pods: Pod[];
}

export interface Faults {
  chunk: { bytes: number; delayMs: number };
  colors: boolean;
  pager: { pageSize: number; style: 'more' | 'prompt' };
  otp: { seed: string | null; attempts: number };
  idleLogoutS: number;
  dropAfter: { seconds: number; bytes: number };
  /** Log in by keyboard-interactive only (password, then the OTP when a seed is set). */
  keyboardInteractive: boolean;
}

/** Everything the lab shows, with every default filled in. */
export interface Scenario {
  file: string;
  banner: { title: string; lines: string[] };
  prompts: { target: string; user: string; otp: string };
  auth: { user: string; password: string; publicKeyFile: string };
  targets: Target[];
  master: { prompt: string; onExit: 'disconnect' | 'menu' };
  namespaces: Namespace[];
  faults: Faults;
}

/** Fault settings to override, each one on its own (`{ chunk: { delayMs: 5 } }` keeps bytes). */
export type FaultOverrides = {
  [K in keyof Faults]?: Faults[K] extends object ? Partial<Faults[K]> : Faults[K];
};

/** The scenario's faults with `overrides` applied setting by setting. */
export function mergeFaults(faults: Faults, o: FaultOverrides = {}): Faults {
  return {
    chunk: { ...faults.chunk, ...o.chunk },
    colors: o.colors ?? faults.colors,
    pager: { ...faults.pager, ...o.pager },
    otp: { ...faults.otp, ...o.otp },
    idleLogoutS: o.idleLogoutS ?? faults.idleLogoutS,
    dropAfter: { ...faults.dropAfter, ...o.dropAfter },
    keyboardInteractive: o.keyboardInteractive ?? faults.keyboardInteractive,
  };
}

export const DEFAULT_SCENARIO = packagePath('lab', 'scenarios', 'cmsm.yaml');

// ajv ships CommonJS; under NodeNext its default export is the module object.
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const schema = JSON.parse(
  readFileSync(packagePath('schemas', 'lab-scenario.schema.json'), 'utf8'),
) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/* The raw shapes as written in YAML (snake_case, optional). Validated by the schema first. */
interface RawPod {
  name: string;
  status?: string;
  ready?: string;
  restarts?: number;
  age?: string;
  container?: string;
  shell?: Pod['shell'];
  prompt?: string;
  logs?: string;
  files?: Record<string, string>;
}
interface RawScenario {
  banner?: { title?: string; lines?: string[] };
  prompts?: { target?: string; user?: string; otp?: string };
  auth?: { user?: string; password?: string; public_key_file?: string };
  targets: { ip: string; name: string; cluster?: string; status?: string; users?: string[] }[];
  users: string[];
  master?: { prompt?: string; on_exit?: 'disconnect' | 'menu' };
  kubernetes?: { namespaces?: { name: string; age?: string; pods?: RawPod[] }[] };
  pod_files?: Record<string, string>;
  faults?: {
    chunk?: { bytes?: number; delay_ms?: number };
    colors?: boolean;
    pager?: { page_size?: number; style?: 'more' | 'prompt' };
    otp?: { seed?: string | null; attempts?: number };
    idle_logout_s?: number;
    drop_after?: { seconds?: number; bytes?: number };
    keyboard_interactive?: boolean;
  };
}

/** Loads and validates a scenario file; errors point at file:line:col. */
export function loadScenario(file: string = DEFAULT_SCENARIO): Scenario {
  const yaml = loadYamlFile(file);
  if (!validate(yaml.data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${locate(yaml, e.instancePath)}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
    });
    throw new GatewalkError(
      'scenario_invalid',
      `invalid lab scenario:\n  ${problems.join('\n  ')}`,
    );
  }
  return normalise(yaml.data as RawScenario, file);
}

function fill(template: string, namespace: string, pod: string): string {
  return template.replaceAll('{namespace}', namespace).replaceAll('{pod}', pod);
}

function normalise(raw: RawScenario, file: string): Scenario {
  const podFiles = raw.pod_files ?? {};
  const names = new Set<string>();
  for (const t of raw.targets) {
    if (names.has(t.name)) {
      throw new GatewalkError('scenario_invalid', `${file}: target name "${t.name}" appears twice`);
    }
    names.add(t.name);
  }
  const namespaces = (raw.kubernetes?.namespaces ?? []).map((ns) => ({
    name: ns.name,
    age: ns.age ?? '30d',
    pods: (ns.pods ?? []).map((p): Pod => {
      const shell = p.shell ?? 'bash';
      const files: Record<string, string> = {};
      for (const [path, text] of Object.entries({ ...podFiles, ...(p.files ?? {}) })) {
        files[path] = fill(text, ns.name, p.name);
      }
      return {
        name: p.name,
        namespace: ns.name,
        status: p.status ?? 'Running',
        ready: p.ready ?? '1/1',
        restarts: p.restarts ?? 0,
        age: p.age ?? '1d',
        // Deployments name pods <deployment>-<replicaset hash>-<suffix>; the container is the
        // deployment's name, which is what kubectl's errors mention.
        container:
          p.container ?? p.name.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-\d+$/, ''),
        shell,
        prompt: p.prompt ?? (shell === 'ash' ? '/ # ' : `[pod:${ns.name}/${p.name} \\W]$ `),
        ...(p.logs === undefined ? {} : { logs: fill(p.logs, ns.name, p.name) }),
        files,
      };
    }),
  }));
  const f = raw.faults ?? {};
  return {
    file,
    banner: {
      title: raw.banner?.title ?? 'CMSM Simulator',
      lines: raw.banner?.lines ?? [],
    },
    prompts: {
      target: raw.prompts?.target ?? 'Target IP: ',
      user: raw.prompts?.user ?? 'User number: ',
      otp: raw.prompts?.otp ?? 'Verification code: ',
    },
    auth: {
      user: raw.auth?.user ?? 'ops',
      password: raw.auth?.password ?? 'lab',
      publicKeyFile: raw.auth?.public_key_file
        ? resolve(dirname(file), raw.auth.public_key_file)
        : packagePath('lab', 'keys', 'ops_ed25519.pub'),
    },
    targets: raw.targets.map((t) => ({
      ip: t.ip,
      name: t.name,
      cluster: t.cluster ?? '-',
      status: t.status ?? 'online',
      users: t.users ?? raw.users,
    })),
    master: {
      prompt: raw.master?.prompt ?? '[{user}@{host} \\W]{sigil} ',
      onExit: raw.master?.on_exit ?? 'disconnect',
    },
    namespaces,
    faults: {
      chunk: { bytes: f.chunk?.bytes ?? 0, delayMs: f.chunk?.delay_ms ?? 0 },
      colors: f.colors ?? false,
      pager: { pageSize: f.pager?.page_size ?? 0, style: f.pager?.style ?? 'more' },
      otp: { seed: f.otp?.seed ?? null, attempts: f.otp?.attempts ?? 3 },
      idleLogoutS: f.idle_logout_s ?? 0,
      dropAfter: { seconds: f.drop_after?.seconds ?? 0, bytes: f.drop_after?.bytes ?? 0 },
      keyboardInteractive: f.keyboard_interactive ?? false,
    },
  };
}
