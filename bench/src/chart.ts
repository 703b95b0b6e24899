/**
 * An SVG bar chart of a results file, written by hand (no chart library): one section per group, one
 * horizontal bar per target (req/s of its best valid run), Tollgate in blue, peers in orange, ceilings in grey.
 * Each section has its own scale, printed on its axis; every bar carries its value.
 */
import { GROUP_TITLES, type Group } from './registry.js';
import { bestOps, bestRps, type Results, type TargetRecord } from './results.js';

const WIDTH = 960;
const LABEL_W = 330;
const BAR_W = 520;
const ROW = 22;
const SECTION_GAP = 18;
const TITLE_H = 24;
const COLORS = { tollgate: '#2f5bea', peer: '#e07b25', ceiling: '#9aa1ad', invalid: '#d33' };

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (value: number): string => (value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0));

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function renderChart(results: Results): string {
  const groups = [...new Set(results.targets.map((target) => target.group))] as Group[];
  const parts: string[] = [];
  let y = 44;
  for (const group of groups) {
    const targets = results.targets.filter((target) => target.group === group);
    const rows = targets.map((target) => ({ target, rps: bestRps(target) }));
    const max = niceMax(Math.max(0, ...rows.map((row) => row.rps ?? 0)));
    parts.push(`<text x="12" y="${y + 15}" class="section">${esc(GROUP_TITLES[group])}</text>`);
    parts.push(`<text x="${LABEL_W + BAR_W}" y="${y + 15}" class="axis" text-anchor="end">scale 0–${esc(fmt(max))} req/s</text>`);
    y += TITLE_H;
    for (const { target, rps } of rows) {
      parts.push(bar(target, rps, max, y));
      y += ROW;
    }
    y += SECTION_GAP;
  }
  if (results.crypto.length > 0) {
    const rows = results.crypto.map((record) => ({ record, ops: bestOps(record) }));
    const max = niceMax(Math.max(0, ...rows.map((row) => row.ops ?? 0)));
    parts.push(`<text x="12" y="${y + 15}" class="section">Crypto ceiling — signature operations per second, one at a time, on the server core</text>`);
    parts.push(`<text x="${LABEL_W + BAR_W}" y="${y + 15}" class="axis" text-anchor="end">scale 0–${esc(fmt(max))} ops/s</text>`);
    y += TITLE_H;
    for (const { record, ops } of rows) {
      const label = `<text x="${LABEL_W - 8}" y="${y + 14}" class="label" text-anchor="end">${esc(record.label)}</text>`;
      if (ops === undefined) parts.push(`${label}<text x="${LABEL_W}" y="${y + 14}" class="note">failed</text>`);
      else {
        const width = Math.max(1, (ops / max) * BAR_W);
        parts.push(`${label}<rect x="${LABEL_W}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${COLORS.ceiling}" rx="2"/><text x="${(LABEL_W + width + 6).toFixed(1)}" y="${y + 14}" class="value">${esc(fmt(ops))} ops/s</text>`);
      }
      y += ROW;
    }
    y += SECTION_GAP;
  }
  const height = y + 30;
  const legend = [
    ['Tollgate', COLORS.tollgate],
    ['peer', COLORS.peer],
    ['ceiling (no auth work)', COLORS.ceiling],
  ]
    .map(([name, color], index) => `<rect x="${12 + index * 190}" y="${height - 24}" width="12" height="12" fill="${color}"/><text x="${30 + index * 190}" y="${height - 14}" class="label">${esc(name as string)}</text>`)
    .join('');
  const title = `Tollgate benchmark — req/s of the best valid run (${results.meta.config.connections} connections, ${results.meta.config.duration}s measured, ${results.meta.config.runs} run(s); ${esc(results.meta.machine.cpuModel)})`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.section{font-size:13px;font-weight:600;fill:#1d2330}.label{font-size:12px;fill:#1d2330}.value{font-size:11px;fill:#1d2330}.axis{font-size:10px;fill:#5b6475}.note{font-size:11px;fill:#5b6475;font-style:italic}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" class="section">${esc(title)}</text>
${parts.join('\n')}
${legend}
</svg>
`;
}

function bar(target: TargetRecord, rps: number | undefined, max: number, y: number): string {
  const label = `<text x="${LABEL_W - 8}" y="${y + 14}" class="label" text-anchor="end">${esc(target.label)}</text>`;
  if (target.skipped) return `${label}<text x="${LABEL_W}" y="${y + 14}" class="note">skipped: ${esc(target.skipped)}</text>`;
  if (rps === undefined) return `${label}<text x="${LABEL_W}" y="${y + 14}" class="note" fill="${COLORS.invalid}">no valid run</text>`;
  const color = target.tollgate ? COLORS.tollgate : target.group.startsWith('ceiling') ? COLORS.ceiling : COLORS.peer;
  const width = Math.max(1, (rps / max) * BAR_W);
  const invalid = target.runs.some((run) => !run.valid) ? ' (some runs invalid)' : '';
  return `${label}<rect x="${LABEL_W}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${color}" rx="2"/><text x="${(LABEL_W + width + 6).toFixed(1)}" y="${y + 14}" class="value">${esc(fmt(rps))} req/s${esc(invalid)}</text>`;
}
