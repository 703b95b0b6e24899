/** CPU accounting from /proc: a process's CPU time, and how busy each core was (whoever used it). */
import { readFileSync } from 'node:fs';

export const CLK_TCK = 100;

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat; fields[0] here is field 3.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of each CPU, from /proc/stat. */
export function coreTicks(): { busy: number; total: number }[] | undefined {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        const values = line.trim().split(/\s+/).slice(1).map(Number);
        const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
        const idle = (values[3] ?? 0) + (values[4] ?? 0);
        return { busy: total - idle, total };
      });
  } catch {
    return undefined;
  }
}

export function busyBetween(before: ReturnType<typeof coreTicks>, after: ReturnType<typeof coreTicks>, core: number): number | undefined {
  const a = before?.[core];
  const b = after?.[core];
  if (!a || !b || b.total === a.total) return undefined;
  return (b.busy - a.busy) / (b.total - a.total);
}

