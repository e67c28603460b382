import { readFileSync } from 'node:fs';
import { LabClient, type LabClientOptions } from '../../lab/driver.js';
import { processesOfLab } from '../../lab/processes.js';
import { loadScenario } from '../../lab/scenario.js';
import { LAB_CLIENT_KEY, startLab, type Lab, type LabOptions } from '../../lab/server.js';

export const MASTER_ROOT_PROMPT = /\[root@master-a ~\]# $/;
export const ORDERS_POD_PROMPT = /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/;

/** A lab on a free port, quiet. */
export function labOnFreePort(options: LabOptions = {}): Promise<Lab> {
  return startLab({ port: 0, ...options });
}

/** Connects to the lab with the test password and a strict host key check. */
export function connect(lab: Lab, options: Partial<LabClientOptions> = {}): Promise<LabClient> {
  return LabClient.connect({
    port: lab.port,
    password: 'lab',
    fingerprint: lab.fingerprint,
    ...options,
  });
}

export function clientKey(): Buffer {
  return readFileSync(LAB_CLIENT_KEY);
}

/** Walks the menu to a master shell: target by name, user by number. */
export async function toMaster(client: LabClient, target = 'master-a', user = '2'): Promise<void> {
  await client.expect('Target IP: ');
  await client.answer(target, 'User number: ');
  client.sendLine(user);
  await client.expect(/\]# $|\]\$ $/);
}

/** Runs a command at a shell prompt and returns what it printed (the echo line removed). */
export async function run(client: LabClient, command: string, prompt: RegExp): Promise<string> {
  client.sendLine(command);
  const m = await client.expect(prompt);
  const before = client.text.slice(0, client.text.length - client.unread.length - m[0].length);
  const lines = before.slice(before.lastIndexOf(command)).split('\n').slice(1);
  return lines.join('\n');
}

/** Pids of live processes whose environment carries this lab's marker. */
export function processesOf(lab: Lab): number[] {
  return processesOfLab(lab.labId);
}

/** A lab with 12 targets host-0..host-11 (10.0.0.1..12) and a pager every 5 rows. */
export function pagedLab(style: 'more' | 'prompt'): Promise<Lab> {
  const base = loadScenario();
  const targets = Array.from({ length: 12 }, (_, i) => ({
    ip: `10.0.0.${i + 1}`,
    name: `host-${i}`,
    cluster: 'c',
    status: 'online',
    users: ['root'],
  }));
  return labOnFreePort({
    scenario: { ...base, targets, faults: { ...base.faults, pager: { pageSize: 5, style } } },
  });
}
