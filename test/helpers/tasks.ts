/** Runs Hardhat tasks in-process for tests, with their console output captured. */
import hre from "hardhat";

export async function runTask<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const original = console.log;
  console.log = () => {};
  try {
    return (await hre.run(name, args)) as T;
  } finally {
    console.log = original;
  }
}
