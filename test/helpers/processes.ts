/**
 * Services as separate processes for tests: a `hardhat node` chain (the deploy scripts
 * run on it and write deployments/localhost) and Hardhat tasks against it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { repoRoot } from "../../src/zk/circuits";

const ROOT = repoRoot();
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
export const LOCAL_RPC = "http://127.0.0.1:8545";

export interface StartedProcess {
  child: ChildProcess;
  /** The last 4,000 characters it printed (stdout and stderr). */
  output(): string;
}

/**
 * Starts `command <args>` in the repository and resolves once its output matches `ready`;
 * `detached` puts it in a process group of its own (stopped as a whole by `-pid`).
 */
export function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
  options: { detached?: boolean; timeoutMs?: number } = {},
): Promise<StartedProcess> {
  const what = `${path.basename(command)} ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
    });
    let out = "";
    const output = () => out.slice(-4000);
    const timer = setTimeout(
      () => reject(new Error(`timed out starting ${what}:\n${output()}`)),
      options.timeoutMs ?? 180_000,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-100_000);
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output()}`));
    });
  });
}

/** Starts `hardhat <args>` and resolves once its output matches `ready`. */
export async function startHardhat(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  return (await startProcess(process.execPath, [HARDHAT, ...args], ready, env)).child;
}

/** The local node's deployment address of `name`. */
export function localDeployment(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "deployments", "localhost", `${name}.json`), "utf8"))
    .address as string;
}

/** Kills the processes still running and waits until they are gone (ports free again). */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once("exit", () => resolve());
            c.kill("SIGKILL");
          }),
      ),
  );
}

/**
 * Waits until nothing listens on `port` of 127.0.0.1 (another suite's node or service is
 * done with it); throws after `timeoutMs`.
 */
export async function waitForFreePort(port: number, timeoutMs = 300_000): Promise<void> {
  const { connect } = await import("node:net");
  const inUse = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  const until = Date.now() + timeoutMs;
  while (await inUse()) {
    if (Date.now() > until) throw new Error(`port ${port} stayed in use for ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
