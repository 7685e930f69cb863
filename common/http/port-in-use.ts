import { readFile, readdir, readlink } from 'node:fs/promises';

/** A service could not listen because another process holds its port: said plainly, without a stack. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly holder: string | undefined,
  ) {
    super(
      `port ${port} is in use${holder ? ` by ${holder}` : ''}: another npm start or service still running? ` +
        'Stop it, or choose other ports (PORT for one service, BASE_PORT for npm start).',
    );
    this.name = 'PortInUseError';
  }
}

/** The socket inodes listening on `port` (Linux /proc/net/tcp and tcp6; none elsewhere). */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the 10th field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * "pid 1234 (node --import tsx scripts/start.ts)" for the process listening on `port`, when this
 * user may see it; undefined otherwise (another user's process, or not Linux).
 */
export async function portHolder(port: number): Promise<string | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
        return command ? `pid ${pid} (${command.slice(0, 120)})` : `pid ${pid}`;
      }
    }
  }
  return undefined;
}
