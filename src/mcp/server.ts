// The MCP server: the tools over one SessionManager. No side effects at import; the CLI (or a
// test) creates it and connects a transport. The core tools are always served; the other groups
// only when asked for (`--caps`): tools/list goes to the model on every turn (issue 14).
import { InMemoryTaskMessageQueue } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Cap } from './caps.js';
import { registerTranscriptResources } from './resources.js';
import type { ToolContext } from './result.js';
import { GatewalkTaskStore } from './tasks.js';
import { registerCloseSession } from './tools/close-session.js';
import { registerExecuteCommand } from './tools/execute-command.js';
import { registerGetCommand } from './tools/get-command.js';
import { registerGetScreen } from './tools/get-screen.js';
import { registerGetTranscript } from './tools/get-transcript.js';
import { registerInterrupt } from './tools/interrupt.js';
import { registerListCommands } from './tools/list-commands.js';
import { registerListProfiles } from './tools/list-profiles.js';
import { registerListSessions } from './tools/list-sessions.js';
import { registerOpenSession } from './tools/open-session.js';
import { registerReadFile } from './tools/read-file.js';
import { registerReopen } from './tools/reopen.js';
import { registerSearchLogs } from './tools/search-logs.js';
import { registerSendKeys } from './tools/send-keys.js';
import { registerSendText } from './tools/send-text.js';
import { registerSwitchTarget } from './tools/switch-target.js';
import { registerDownload, registerUpload } from './tools/transfer.js';
import { registerWaitFor } from './tools/wait-for.js';
import { registerWriteFile } from './tools/write-file.js';

type Register = (server: McpServer, ctx: ToolContext) => void;

/** Every tool in its group, in the order tools/list shows them. */
const TOOLS: [group: Cap | 'core', register: Register][] = [
  ['core', registerListProfiles],
  ['core', registerOpenSession],
  ['core', registerListSessions],
  ['core', registerExecuteCommand],
  ['core', registerGetCommand],
  ['core', registerSendText],
  ['core', registerGetScreen],
  ['core', registerInterrupt],
  ['core', registerCloseSession],
  ['core', registerReopen],
  ['screen', registerSendKeys],
  ['screen', registerWaitFor],
  ['history', registerListCommands],
  ['history', registerGetTranscript],
  ['targets', registerSwitchTarget],
  ['files', registerReadFile],
  ['files', registerWriteFile],
  ['files', registerUpload],
  ['files', registerDownload],
  ['files', registerSearchLogs],
];

export type ServerDeps = ToolContext & {
  version: string;
  /** Tool groups served beside the core (default none). */
  caps?: readonly Cap[];
  /** How often task clients are told to poll (default 500 ms). */
  taskPollMs?: number;
};

const INSTRUCTIONS = `gatewalk reaches hosts and pods behind SSH bastions (menus, OTPs, jump shells).
list_profiles, then open_session(profile) walks the path; execute_command runs commands there with
exact output and exit codes. A command past timeout_s returns status running: call get_command.
status awaiting_input: answer with send_text (sensitive: true for secrets) or interrupt.
close_session when done.`;

export function createServer(deps: ServerDeps): McpServer {
  // One task store per connection: a client sees its own tasks only.
  const tasks = new GatewalkTaskStore(deps.taskPollMs);
  const server = new McpServer(
    { name: 'gatewalk', version: deps.version },
    {
      instructions: INSTRUCTIONS,
      taskStore: tasks,
      // Questions to the person during a task (URL elicitation) reach the client through
      // tasks/result, as 2025-11-25 has it; a task holds few.
      taskMessageQueue: new InMemoryTaskMessageQueue(),
      maxTaskQueueSize: 16,
      capabilities: {
        logging: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
    },
  );
  const closed = server.server.onclose;
  server.server.onclose = () => {
    closed?.();
    tasks.close();
  };
  const ctx: ToolContext = { ...deps, tasks };
  const caps = new Set<string>(['core', ...(deps.caps ?? [])]);
  for (const [group, register] of TOOLS) if (caps.has(group)) register(server, ctx);
  // Resources cost nothing per turn (clients list them on demand): always served.
  registerTranscriptResources(server, ctx);
  return server;
}
