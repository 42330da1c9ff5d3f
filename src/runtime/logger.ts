import { getTransformStream } from "@probot/pino";
import { type Logger, pino } from "pino";
import type { LogFormat } from "./settings.js";

/**
 * The server's logger (pino, which Probot uses too): JSON lines, one object per line with `level`,
 * `time` (epoch ms), `msg` and the line's fields, whenever `format` is `json`; Probot's pretty
 * format for a person at a terminal. Error objects are reduced to type, message and stack.
 */
export async function createLogger(options: { level: string; format: LogFormat }): Promise<Logger> {
  // No `name` here: Probot names its own child logger, and a JSON line must not carry a key twice.
  const base = { level: options.level, serializers: { err: pino.stdSerializers.err } };
  if (options.format === "json") return pino(base, pino.destination({ fd: 1, sync: true }));
  const transform = await getTransformStream({ logFormat: "pretty" });
  transform.pipe(pino.destination({ fd: 1, sync: true }) as unknown as NodeJS.WritableStream);
  return pino(base, transform);
}
