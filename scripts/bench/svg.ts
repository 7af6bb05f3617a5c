/**
 * Small log–log charts as standalone SVG (no dependencies): series drawn as lines and
 * points, anchors as labelled markers. Enough for the bench report; not a chart library.
 */
export interface Series {
  name: string;
  points: [number, number][];
  color: string;
  /** Draw a line through the points (default) or only the points. */
  line?: boolean;
  /** Mark each point (default: only when there is no line). */
  dots?: boolean;
  dashed?: boolean;
}

export interface Anchor {
  label: string;
  x: number;
  y: number;
  color?: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  anchors?: Anchor[];
  /** Tick formatting for the axes. */
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
}

const W = 760;
const H = 460;
const M = { left: 80, right: 230, top: 44, bottom: 56 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export const compact = (v: number): string =>
  v >= 1e6
    ? `${+(v / 1e6).toPrecision(3)}M`
    : v >= 1e3
      ? `${+(v / 1e3).toPrecision(3)}k`
      : `${+v.toPrecision(3)}`;

/** Decade ticks with 2 and 5 in between when the range is short. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const steps = Math.log10(hi / lo) <= 2.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  return out;
}

export function logChart(spec: ChartSpec): string {
  const xs = [...spec.series.flatMap((s) => s.points.map((p) => p[0])), ...(spec.anchors ?? []).map((a) => a.x)];
  const ys = [...spec.series.flatMap((s) => s.points.map((p) => p[1])), ...(spec.anchors ?? []).map((a) => a.y)];
  if (xs.some((v) => !(v > 0)) || ys.some((v) => !(v > 0))) throw new Error("log chart: values must be > 0");
  const pad = (lo: number, hi: number): [number, number] => [lo / 1.4, hi * 1.4];
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const px = (v: number) => M.left + ((Math.log(v) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((Math.log(v) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (H - M.top - M.bottom);
  const fx = spec.formatX ?? compact;
  const fy = spec.formatY ?? compact;
  const r = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  for (const t of ticks(x0, x1)) {
    parts.push(
      `<line x1="${r(px(t))}" y1="${M.top}" x2="${r(px(t))}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`,
      `<text x="${r(px(t))}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#444">${esc(fx(t))}</text>`,
    );
  }
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<line x1="${M.left}" y1="${r(py(t))}" x2="${W - M.right}" y2="${r(py(t))}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${r(py(t) + 4)}" text-anchor="end" fill="#444">${esc(fy(t))}</text>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 16}" text-anchor="middle">${esc(spec.xLabel)} (log scale)</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)} (log scale)</text>`,
  );
  let legendY = M.top + 10;
  for (const s of spec.series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (s.line !== false && pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""} points="${pts.map(([x, y]) => `${r(px(x))},${r(py(y))}`).join(" ")}"/>`,
      );
    if (s.dots ?? s.line === false)
      for (const [x, y] of pts)
        parts.push(`<circle cx="${r(px(x))}" cy="${r(py(y))}" r="4" fill="${s.color}"><title>${esc(`${s.name}: ${fx(x)}, ${fy(y)}`)}</title></circle>`);
    parts.push(
      `<line x1="${W - M.right + 14}" y1="${legendY}" x2="${W - M.right + 34}" y2="${legendY}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${W - M.right + 40}" y="${legendY + 4}">${esc(s.name)}</text>`,
    );
    legendY += 20;
  }
  for (const a of spec.anchors ?? []) {
    const color = a.color ?? "#d62728";
    const [x, y] = [px(a.x), py(a.y)];
    parts.push(
      `<path d="M ${r(x)} ${r(y - 7)} L ${r(x + 7)} ${r(y)} L ${r(x)} ${r(y + 7)} L ${r(x - 7)} ${r(y)} Z" fill="none" stroke="${color}" stroke-width="2"><title>${esc(a.label)}</title></path>`,
      `<text x="${r(x + 10)}" y="${r(y - 8)}" fill="${color}" font-size="11">${esc(a.label)}</text>`,
    );
  }
  parts.push(
    `<path d="M ${W - M.right + 24} ${legendY - 7} l 7 7 l -7 7 l -7 -7 Z" fill="none" stroke="#d62728" stroke-width="2"/>`,
    `<text x="${W - M.right + 40}" y="${legendY + 4}">anchor: published / target</text>`,
    "</svg>",
  );
  return parts.join("\n") + "\n";
}
