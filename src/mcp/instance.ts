// One gatewalk server instance: profiles (hot-reloaded), a runtime folder, the session manager,
// and a factory for MCP servers over them (one per client connection). Used by `gatewalk serve`,
// the demo and the tests alike. The viewer's and the sessions' modules load when first needed
// (or at warmUp): an instance starts with little more than the MCP SDK.
import { mkdirSync, readFileSync } from 'node:fs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { packagePath } from '../paths.js';
import { ProfileSource } from '../profiles/watch.js';
import { SessionManager, type ManagerOptions } from '../sessions/manager.js';
import { installationKey, type AuditKey } from '../sessions/audit-key.js';
import { DAY_MS, RuntimeDir, defaultRuntimeRoot, pruneSessionFiles } from '../sessions/runtime.js';
import type { Viewer } from '../viewer/server.js';
import type { Cap } from './caps.js';
import { createServer } from './server.js';

export interface InstanceOptions {
  profileDirs: string[];
  /** The runtime root (a folder per instance is made inside); default under the state dir. */
  runtimeRoot?: string;
  env?: Record<string, string | undefined>;
  clientLabel?: string | null;
  allowDirect?: boolean;
  /** Minutes without a call after which a session closes (0: never; default 60). */
  idleCloseMinutes?: number;
  /** Closed sessions kept listed (default 100; their transcripts stay on disk regardless). */
  closedHistory?: number;
  /** upload/download folder (default: `files` in the instance folder). */
  transferDir?: string;
  /** Watch profile files and reload them on change (default true). */
  watchProfiles?: boolean;
  connect?: ManagerOptions['connect'];
  directTimeoutMs?: number;
  /** Also told every log line (the log file always is). */
  log?: (line: string) => void;
  /**
   * Profiles load (and their errors and warnings are logged) at warmUp() or at their first use,
   * not at start: `gatewalk serve` answers its client first.
   */
  lazy?: boolean;
  /** Tool groups served beside the core tools (`--caps`; default none). */
  caps?: readonly Cap[];
  /** How often a long call reports that it still works (default 5 s). */
  progressEveryMs?: number;
  /** How often MCP task clients are told to poll (default 500 ms). */
  taskPollMs?: number;
  /** Re-entry after drops and logouts for profiles without `reconnect` (`--reconnect`). */
  reconnect?: ManagerOptions['reconnect'];
  /**
   * Days transcripts and spilled outputs are kept (`serve --keep-days`): older ones are removed
   * at start and once a day, and stopped servers' folders after this long instead of 14 days.
   * Default: none removed but with their server's folder.
   */
  keepDays?: number;
}

export interface Instance {
  manager: SessionManager;
  profiles: ProfileSource;
  runtime: RuntimeDir;
  /** Starts the live viewer (port: the first to try; 0 any). */
  startViewer(port: number): Promise<Viewer>;
  viewer: Viewer | null;
  newServer(): McpServer;
  /** Loads now what start left for later: the profiles; the sessions' modules in the background. */
  warmUp(): void;
  /** Removes what --keep-days no longer keeps (as at start and daily); the paths removed. */
  pruneOld(): string[];
  shutdown(reason?: string): Promise<void>;
}

export function version(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string })
    .version;
}

export function startInstance(options: InstanceOptions): Instance {
  const env = options.env ?? {};
  const clientLabel = options.clientLabel ?? env.GATEWALK_CLIENT_LABEL ?? null;
  const keepMs = options.keepDays !== undefined ? options.keepDays * DAY_MS : undefined;
  const runtime = new RuntimeDir(
    options.runtimeRoot ?? defaultRuntimeRoot(env),
    {
      pid: process.pid,
      started_at: new Date().toISOString(),
      client: clientLabel,
      profile_dirs: options.profileDirs,
      http_url: null,
      viewer_url: null,
    },
    keepMs !== undefined ? { retentionMs: keepMs } : {},
  );
  const log = (line: string) => {
    runtime.log(line);
    options.log?.(line);
  };
  const profiles = new ProfileSource(options.profileDirs, log);
  if (!options.lazy) void profiles.load();
  if (options.watchProfiles !== false) profiles.watch();
  // Read (or made) at the first session: a key others may read fails that open, saying why.
  let auditKey: AuditKey | undefined;
  const transferDir = options.transferDir ?? `${runtime.dir}/files`;
  mkdirSync(transferDir, { recursive: true, mode: 0o700 });
  const manager = new SessionManager({
    registry: () => profiles.registry(),
    transcriptDir: runtime.transcripts,
    spillDir: `${runtime.dir}/outputs`,
    clientLabel,
    idleCloseMs: (options.idleCloseMinutes ?? 60) * 60_000,
    ...(options.closedHistory !== undefined ? { closedHistory: options.closedHistory } : {}),
    allowDirect: options.allowDirect ?? false,
    ...(options.directTimeoutMs ? { directTimeoutMs: options.directTimeoutMs } : {}),
    // Keepalive every 15 s (3 missed: broken) unless a profile says otherwise: a dead network
    // is noticed even while the agent is not calling.
    connect: { defaultKeepaliveMs: 15_000, ...options.connect },
    log,
    onTranscriptFailure: log,
    ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    auditKey: () => (auditKey ??= installationKey(runtime.root)),
  });
  let stopped = false;
  // Housekeeping, not a decision about any session: an unref'd daily timer is enough.
  let retention: NodeJS.Timeout | undefined;
  const pruneOld = (): string[] => {
    if (keepMs === undefined) return [];
    const open = new Set(
      manager
        .all()
        .filter((s) => s.state !== 'closed')
        .map((s) => s.id),
    );
    const removed = pruneSessionFiles(runtime.root, {
      keepMs,
      ownDir: runtime.dir,
      open: () => open,
    });
    if (removed.length > 0)
      log(
        `removed ${removed.length} transcript(s)/output(s) older than ${options.keepDays} day(s)`,
      );
    return removed;
  };
  if (keepMs !== undefined) {
    pruneOld();
    retention = setInterval(pruneOld, DAY_MS);
    retention.unref();
  }
  const instance: Instance = {
    manager,
    profiles,
    runtime,
    viewer: null,
    pruneOld,
    startViewer: async (port) => {
      const [{ startViewer }, { liveCatalog }] = await Promise.all([
        import('../viewer/server.js'),
        import('../viewer/catalog.js'),
      ]);
      const viewer = await startViewer({ catalog: liveCatalog(manager), port, log });
      if (stopped) {
        // Shut down while it started: nobody would close it.
        await viewer.close();
        throw new Error('the server stopped while the viewer started');
      }
      instance.viewer = viewer;
      runtime.update({
        viewer_url: viewer.url.replace(/\?token=.*$/, ''),
        viewer_token: viewer.token,
      });
      log(`viewer on ${viewer.url.replace(/\?token=.*$/, '')} (token in server.json)`);
      return viewer;
    },
    newServer: () =>
      createServer({
        manager,
        registry: () => profiles.registry(),
        localRoot: transferDir,
        log,
        version: version(),
        viewerUrl: (id) => instance.viewer?.sessionUrl(id) ?? null,
        caps: options.caps ?? [],
        ...(options.progressEveryMs ? { progressEveryMs: options.progressEveryMs } : {}),
        ...(options.taskPollMs ? { taskPollMs: options.taskPollMs } : {}),
      }),
    warmUp: () => {
      if (stopped) return;
      void profiles.load();
      manager
        .preload()
        .catch((err: unknown) => log(`cannot load the session modules: ${String(err)}`));
    },
    shutdown: async (reason = 'server shutting down') => {
      if (stopped) return;
      stopped = true;
      clearInterval(retention);
      profiles.close();
      await manager.closeAll(reason);
      await instance.viewer?.close();
      log(`stopped: ${reason}`);
    },
  };
  return instance;
}
