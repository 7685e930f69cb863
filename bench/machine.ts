import os from 'node:os';

/** The machine a benchmark ran on, for its report. */
export const machineDescription = () =>
  `${os.type()} ${os.release()} (${os.arch()}), ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;

/** The heading of the Node-version comparison in results.md (bench/node-versions.ts). */
export const NODE_SECTION = '## Node 20 against Node 24';

/** The 1/5/15-minute load average, as a benchmark reports it (the machine is shared: read ratios, not absolutes). */
export const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ');
