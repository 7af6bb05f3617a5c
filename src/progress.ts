/**
 * Progress for long work (compiling circuits, setup, proving, the demo): a cli-progress
 * bar on a terminal, one timestamped line per step elsewhere (CI logs).
 */
import cliProgress from "cli-progress";

export interface Progress {
  step(label: string): void;
  detail(text: string): void;
  done(summary?: string): void;
}

export function createProgress(
  title: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (!stream.isTTY) {
    let n = 0;
    stream.write(`${title}\n`);
    return {
      step(label) {
        n++;
        stream.write(`  [${n}/${total}] ${label} (+${elapsed()})\n`);
      },
      detail() {},
      done(summary) {
        stream.write(`  done in ${elapsed()}${summary ? `: ${summary}` : ""}\n`);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {value}/{total} {step} {detail}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: "", detail: "" });
  return {
    step(label) {
      bar.increment(1, { step: label, detail: "" });
    },
    detail(text) {
      bar.update({ detail: text.slice(0, 60) });
    },
    done(summary) {
      bar.update(total, { step: "done", detail: `${elapsed()}${summary ? ` ${summary}` : ""}` });
      bar.stop();
    },
  };
}

/** A snarkjs logger that feeds a progress display's detail line. */
export function progressLogger(progress: Progress) {
  return {
    debug() {},
    log: (msg: string) => progress.detail(msg),
    info: (msg: string) => progress.detail(msg),
    warn: (msg: string) => progress.detail(msg),
    error: (msg: string) => progress.detail(msg),
  };
}
