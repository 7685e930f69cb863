import { readFile, readdir } from 'node:fs/promises';
import { connect } from 'node:net';

// What a process manager sees after a stop, read from Linux's /proc: the processes left in a
// process group, and who listens on a port and on which address.

export interface ProcessInfo {
  readonly pid: number;
  readonly command: string;
}

/** The live processes (zombies aside) whose process group is `pgid`. */
export async function processesInGroup(pgid: number): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    const command = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
    found.push({ pid: Number(name), command });
  }
  return found;
}

/** Resident memory of every live process of the group, summed, in MiB (VmRSS of /proc/<pid>/status). */
export async function groupRssMiB(pgid: number): Promise<number> {
  let kib = 0;
  for (const { pid } of await processesInGroup(pgid)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kib / 1024;
}

const ipv4 = (hex: string) => [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join('.');
const ipv6 = (hex: string) => (/^0+$/.test(hex) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex);

/** The local addresses something listens on at `port` ("127.0.0.1", "0.0.0.0", "::", ...). */
export async function listeningAddresses(port: number): Promise<string[]> {
  const addresses: string[] = [];
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const [table, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, localPort] = (local ?? '').split(':');
      if (localPort === hexPort && state === '0A' && address) addresses.push(decode(address));
    }
  }
  return addresses;
}

/** Whether a new TCP connection to 127.0.0.1:`port` is accepted. */
export const acceptsConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
