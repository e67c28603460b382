// The lab's fake kubectl. It runs inside the lab's real master shell (bash) and answers the few
// kubectl commands an operator uses behind a bastion, from the cluster description the lab wrote
// for this SSH session (GATEWALK_LAB_CLUSTER). `exec` starts a real shell (bash or busybox ash)
// in the pod's fake root, attached to the same PTY, like the real `kubectl exec -it`.
//
// Plain JavaScript on purpose: it is executed by the shell, not imported, and must run without a
// build step. It is started through a tiny wrapper the lab writes, which pins the node binary.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';

const out = (text) => process.stdout.write(text);
const err = (text) => process.stderr.write(text);

function fail(message, code) {
  err(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

function unsupported(args) {
  fail(`kubectl simulator: unsupported command: ${args.join(' ')}`, 2);
}

function loadCluster() {
  const file = process.env.GATEWALK_LAB_CLUSTER;
  if (!file || !existsSync(file)) {
    fail('kubectl simulator: no cluster description (GATEWALK_LAB_CLUSTER is not set)', 1);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Splits argv into flags we understand, positional words, and the command after `--`. */
function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const before = dash >= 0 ? argv.slice(0, dash) : argv;
  const command = dash >= 0 ? argv.slice(dash + 1) : null;
  const opts = { namespace: null, all: false, tail: null, follow: false, stdin: false, tty: false };
  const words = [];
  const unknown = [];
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      i += 1;
      return before[i] ?? '';
    };
    if (a === '-n' || a === '--namespace' || a.startsWith('--namespace=') || a.startsWith('-n=')) {
      opts.namespace = value();
    } else if (a.startsWith('-n') && a.length > 2 && !a.startsWith('--')) {
      opts.namespace = a.slice(2);
    } else if (a === '-A' || a === '--all-namespaces') {
      opts.all = true;
    } else if (a === '--tail' || a.startsWith('--tail=')) {
      const tail = value();
      if (!/^-?\d+$/.test(tail)) {
        fail(
          `error: invalid argument "${tail}" for "--tail" flag: strconv.ParseInt: parsing "${tail}": invalid syntax`,
          1,
        );
      }
      opts.tail = Number(tail);
    } else if (a === '-f' || a === '--follow') {
      opts.follow = true;
    } else if (a === '-c' || a === '--container' || a.startsWith('--container=')) {
      value();
    } else if (/^-[it]+$/.test(a)) {
      if (a.includes('i')) opts.stdin = true;
      if (a.includes('t')) opts.tty = true;
    } else if (a === '--stdin') {
      opts.stdin = true;
    } else if (a === '--tty') {
      opts.tty = true;
    } else if (a.startsWith('-')) {
      unknown.push(a);
    } else {
      words.push(a);
    }
  }
  return { opts, words, command, unknown };
}

/** Formats rows like kubectl: columns left-aligned, three spaces apart. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? String(cell) : String(cell).padEnd(widths[c] + 3)))
        .join(''),
    )
    .join('\n');
}

function findNamespace(cluster, name) {
  return cluster.namespaces.find((ns) => ns.name === name);
}

function findPod(cluster, namespace, name) {
  const pod = findNamespace(cluster, namespace)?.pods.find((p) => p.name === name);
  if (!pod) fail(`Error from server (NotFound): pods "${name}" not found`, 1);
  return pod;
}

function getNamespaces(cluster) {
  const rows = [['NAME', 'STATUS', 'AGE']];
  for (const ns of cluster.namespaces) rows.push([ns.name, 'Active', ns.age]);
  out(`${table(rows)}\n`);
}

function getPods(cluster, opts, names) {
  const spaces = opts.all
    ? cluster.namespaces
    : cluster.namespaces.filter((ns) => ns.name === opts.namespace);
  const rows = [[...(opts.all ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']];
  for (const ns of spaces) {
    for (const p of ns.pods) {
      if (names.length > 0 && !names.includes(p.name)) continue;
      rows.push([...(opts.all ? [ns.name] : []), p.name, p.ready, p.status, p.restarts, p.age]);
    }
  }
  const nameColumn = opts.all ? 1 : 0;
  for (const name of names) {
    if (!rows.slice(1).some((r) => r[nameColumn] === name)) {
      fail(`Error from server (NotFound): pods "${name}" not found`, 1);
    }
  }
  if (rows.length === 1) {
    const where = opts.all ? '' : ` in ${opts.namespace} namespace`;
    fail(`No resources found${where}.`, 0);
  }
  out(`${table(rows)}\n`);
}

function logs(cluster, opts, words) {
  const name = words[0];
  if (!name) fail('error: expected POD name', 1);
  const pod = findPod(cluster, opts.namespace, name);
  const file = join(pod.root, 'var/log/app/app.log');
  const text = pod.logs ?? (existsSync(file) ? readFileSync(file, 'utf8') : '');
  let lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (opts.tail !== null && opts.tail >= 0)
    lines = lines.slice(Math.max(0, lines.length - opts.tail));
  if (lines.length > 0) out(`${lines.join('\n')}\n`);
  // `logs -f` follows forever, like the real thing: a long-running command to interrupt.
  if (opts.follow) setInterval(() => {}, 1 << 30);
}

/** Finds a program the way the pod would: on the pod's PATH, never the master's. */
function findExecutable(name, path) {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of path.split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

function missingExecutable(program) {
  const why = program.startsWith('/')
    ? `stat ${program}: no such file or directory`
    : `executable file not found in $PATH`;
  err(
    `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": ${why}: unknown\n`,
  );
  fail('command terminated with exit code 126', 126);
}

/** The argv that starts `program` inside the pod, or null when the pod has no such shell. */
function podShell(cluster, pod, program, interactive) {
  const name = basename(program);
  if (pod.shell === 'bash' && (name === 'bash' || name === 'sh')) {
    const rc = join(cluster.sessionDir, `rc-${pod.namespace}-${pod.name}`);
    writeFileSync(rc, `PS1=${JSON.stringify(pod.prompt)}\n`);
    const posix = name === 'sh' ? ['--posix'] : [];
    return [cluster.bash, [...posix, '--rcfile', rc, ...(interactive ? ['-i'] : ['-s'])]];
  }
  if (pod.shell === 'ash' && (name === 'sh' || name === 'ash')) {
    if (!cluster.busybox) {
      fail('kubectl simulator: busybox is not installed here; the ash pod needs it', 1);
    }
    return [cluster.busybox, ['sh', ...(interactive ? ['-i'] : ['-s'])]];
  }
  return null;
}

function exec(cluster, opts, words, command) {
  const name = words[0];
  if (!name) fail('error: expected POD name', 1);
  if (!command || command.length === 0) {
    fail('error: you must specify at least one command for the container', 1);
  }
  const pod = findPod(cluster, opts.namespace, name);
  if (pod.status !== 'Running') {
    fail(`error: unable to upgrade connection: container not found ("${pod.container}")`, 1);
  }
  const [program, ...rest] = command;
  const env = {
    PATH: cluster.podPath,
    HOME: pod.root,
    HOSTNAME: pod.name,
    TERM: process.env.TERM ?? 'xterm',
    LANG: process.env.LANG ?? 'C.UTF-8',
    GATEWALK_LAB_ID: process.env.GATEWALK_LAB_ID ?? '',
    PS1: pod.prompt,
  };
  const shell = rest.length === 0 ? podShell(cluster, pod, program, opts.stdin && opts.tty) : null;
  let argv;
  if (shell) {
    argv = shell;
    if (opts.stdin && opts.tty) out(`Connected to pod ${pod.namespace}/${pod.name}.\n`);
  } else {
    const isShell = ['bash', 'sh', 'ash'].includes(basename(program));
    const found = isShell ? null : findExecutable(program, cluster.podPath);
    if (isShell || !found) {
      if (isShell && pod.shell !== 'none' && rest.length > 0) {
        const inner = podShell(cluster, pod, program, false);
        if (inner) argv = [inner[0], [...inner[1].filter((a) => a !== '-s'), ...rest]];
      }
      if (!argv) missingExecutable(program);
    } else {
      argv = [found, rest];
    }
  }
  // The lab's kubectl wrapper (a small sh script) runs the plan after we exit, so no node
  // process stays resident under every pod shell: 50 sessions in pods cost 50 shells, not 50
  // node runtimes. The wrapper also reports a non-zero exit like kubectl does.
  const plan = process.env.GATEWALK_KUBECTL_PLAN;
  if (!plan) fail("kubectl simulator: run me through the lab's kubectl wrapper", 1);
  const vars = Object.entries(env).map(([k, v]) => quote(`${k}=${v}`));
  const stdin = opts.stdin ? '' : ' </dev/null';
  const line = `cd ${quote(pod.root)} && env -i ${vars.join(' ')} ${[argv[0], ...argv[1]].map(quote).join(' ')}${stdin}`;
  writeFileSync(plan, `${line}\n`);
  process.exit(0);
}

/** Single-quotes a word for sh. */
function quote(word) {
  return `'${String(word).replaceAll("'", `'\\''`)}'`;
}

function main() {
  const argv = process.argv.slice(2);
  const { opts, words, command, unknown } = parseArgs(argv);
  const [verb, ...rest] = words;
  if (!verb || unknown.length > 0) unsupported(argv);
  const cluster = loadCluster();
  opts.namespace ??= 'default';
  if (verb === 'get' && ['ns', 'namespace', 'namespaces'].includes(rest[0] ?? '')) {
    getNamespaces(cluster);
  } else if (verb === 'get' && ['po', 'pod', 'pods'].includes(rest[0] ?? '')) {
    getPods(cluster, opts, rest.slice(1));
  } else if (verb === 'logs') {
    logs(cluster, opts, rest);
  } else if (verb === 'exec') {
    exec(cluster, opts, rest, command);
  } else {
    unsupported(argv);
  }
}

main();
