/** Formatting for the tables: amounts in token units, addresses, durations, times. */
import { formatUnits } from "ethers";

/** What a cell shows when the number is not available (never a made-up value). */
export const MISSING = "—";

export interface TokenInfo {
  symbol: string;
  decimals: number;
}

/** `1234.5678 DPN`: at most four decimals, trailing zeros dropped. */
export function amount(value: bigint, token: TokenInfo | undefined): string {
  if (token === undefined) return value.toString();
  const [whole, frac = ""] = formatUnits(value, token.decimals).split(".");
  const shown = frac.slice(0, 4).replace(/0+$/, "");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const prefix =
    value > 0n && whole === "0" && shown === "" ? "< 0.0001" : grouped + (shown ? `.${shown}` : "");
  return `${prefix} ${token.symbol}`;
}

export function integer(value: bigint | number): string {
  return value.toLocaleString("en-US");
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A unix time as `HH:MM:SS (12 s ago)` in the browser's time zone. */
export function clockTime(unixSeconds: number, nowMs = Date.now()): string {
  const t = new Date(unixSeconds * 1000);
  const ago = Math.round(nowMs / 1000 - unixSeconds);
  const when = t.toLocaleTimeString("en-GB", { hour12: false });
  if (ago < 0) return `${when} (in ${-ago} s)`;
  if (ago < 120) return `${when} (${ago} s ago)`;
  if (ago < 7200) return `${when} (${Math.round(ago / 60)} min ago)`;
  return t.toLocaleString("en-GB", { hour12: false });
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
