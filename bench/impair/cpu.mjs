// Where the machine's CPU went during a measured window, read from /proc:
// how busy all cores were, and which programs used it (Chromium's
// processes by their --type, everything else by its command name). A
// browser starved of CPU freezes video on a clean link too, so a result
// says whether the machine could carry the call at all.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, all: busy + idle + iowait };
}

function programOf(pid, stat) {
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return name;
  }
  if (!/chrom/.test(name) && !/\/chromium /.test(cmd)) return name;
  const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
  const sub = /--utility-sub-type=[\w.]*?(\w+)(?:\s|$)/.exec(cmd)?.[1];
  return `chromium ${type}${sub ? ` ${sub}` : ''}`;
}

// A reading now: the machine's ticks and every process's.
export function cpuSnapshot() {
  const procs = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(pid, { program: programOf(pid, stat), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return { t: Date.now(), machine: machineTicks(), procs };
}

// Between two readings: busyPct of all cores, and the programs that used
// the most, in percent of one core (processes that ended meanwhile are not
// counted).
export function cpuBetween(a, b, top = 8) {
  const seconds = (b.t - a.t) / 1000;
  const byProgram = new Map();
  for (const [pid, p] of b.procs) {
    const used = p.ticks - (a.procs.get(pid)?.ticks ?? 0);
    if (used > 0) byProgram.set(p.program, (byProgram.get(p.program) ?? 0) + used);
  }
  const all = b.machine.all - a.machine.all;
  return {
    busyPct: all > 0 ? (100 * (b.machine.busy - a.machine.busy)) / all : null,
    programs: [...byProgram].sort((x, y) => y[1] - x[1]).slice(0, top)
      .map(([program, ticks]) => ({ program, corePct: (100 * ticks) / TICKS / seconds })),
  };
}

export function describeCpu(c, cores) {
  const list = c.programs.map((p) => `${p.program} ${p.corePct.toFixed(0)} %`).join(', ');
  return `all ${cores} cores ${c.busyPct?.toFixed(0)} % busy; of one core: ${list}`;
}
