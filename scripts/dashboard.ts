/**
 * `npm run dashboard` — serves the dashboard (built by `vite build` first, see
 * package.json) and proxies the chain and the sequencer for it. Configured by:
 *
 *   DASHBOARD_PORT         where it listens (5173), on DASHBOARD_HOST (127.0.0.1)
 *   DASHBOARD_STATUS_FILE  a running demo's DEMO_STATUS_FILE: addresses, chain, sequencer,
 *                          proving times (the demo with DEMO_RPC_PORT serves its chain)
 *   DASHBOARD_DEPLOYMENTS  without a status file: the hardhat-deploy folder with the
 *                          addresses (deployments/localhost)
 *   DASHBOARD_RPC          the chain's JSON-RPC (the status file's, else http://127.0.0.1:8545)
 *   DASHBOARD_SEQUENCER    the sequencer (the status file's, else none)
 *   DASHBOARD_POLL_MS      how often the page polls (2000)
 */
import * as path from "node:path";
import pino from "pino";

import { startDashboard } from "../src/dashboard/server";
import { repoRoot } from "../src/zk/circuits";

const env = (name: string) => process.env[name] || undefined;

async function main() {
  const log = pino({ level: process.env.LOG_LEVEL ?? "info" });
  const port = Number(env("DASHBOARD_PORT") ?? 5173);
  const pollMs = Number(env("DASHBOARD_POLL_MS") ?? 2000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`DASHBOARD_PORT must be a port number, not ${env("DASHBOARD_PORT")}`);
  if (!Number.isFinite(pollMs) || pollMs < 200)
    throw new Error(
      `DASHBOARD_POLL_MS must be a number of milliseconds ≥ 200, not ${env("DASHBOARD_POLL_MS")}`,
    );
  const statusFile = env("DASHBOARD_STATUS_FILE");
  const server = await startDashboard(
    {
      host: env("DASHBOARD_HOST") ?? "127.0.0.1",
      port,
      rpcUrl: env("DASHBOARD_RPC"),
      sequencerUrl: env("DASHBOARD_SEQUENCER"),
      statusFile: statusFile === undefined ? undefined : path.resolve(statusFile),
      deploymentsDir: path.resolve(
        env("DASHBOARD_DEPLOYMENTS") ?? path.join(repoRoot(), "deployments", "localhost"),
      ),
      staticDir: path.join(repoRoot(), "dashboard", "dist"),
      pollMs,
    },
    log,
  );
  console.log(`dashboard at ${server.url}`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
