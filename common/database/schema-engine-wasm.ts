// Loads Prisma's WebAssembly schema engine (@prisma/schema-engine-wasm) once per process.
//
// The package's entry point does `import * as wasm from "./schema_engine_bg.wasm"` (ESM-integration of
// wasm), which Node 20 cannot load. So we instantiate `schema_engine_bg.wasm` ourselves with the JS glue
// module as its import object, hand the exports back to the glue and run the wasm start function:
// exactly what the entry point would have done.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';

export type SchemaEngineClass = typeof glue.SchemaEngine;
export type SchemaEngine = glue.SchemaEngine;

/** The subset of the WebAssembly JS API we use (our tsconfig has no DOM lib, which is where TS declares it). */
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

interface PanicRegistry {
  set_message(message: string): void;
}

let loading: Promise<SchemaEngineClass> | undefined;
let lastPanicMessage: string | undefined;

/** Resolves the engine class; the ~5 MB module is compiled on the first call only. */
export function loadSchemaEngine(): Promise<SchemaEngineClass> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The Rust panic message of the last engine panic, if any (the JS error itself only says "unreachable"). */
export function takeSchemaEnginePanic(): string | undefined {
  const message = lastPanicMessage;
  lastPanicMessage = undefined;
  return message;
}

async function instantiate(): Promise<SchemaEngineClass> {
  installPanicRegistry();
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
  const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const { instance } = await webAssembly.instantiate(bytes, { './schema_engine_bg.js': importsFor(glue) });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports['__wbindgen_start'];
  if (typeof start !== 'function') throw new Error('schema_engine_bg.wasm has no __wbindgen_start export');
  start();
  return glue.SchemaEngine;
}

/**
 * The glue module's functions, except its `setTimeout`: the engine arms timers (e.g. a 10 s advisory
 * lock timeout) and never clears them, which would keep a CLI process alive for 10 s after its work.
 * Unref'd timers still fire in a long-running process but do not hold the event loop open.
 */
function importsFor(module: Record<string, unknown>): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...module };
  for (const name of Object.keys(imports).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    imports[name] = (callback: () => void, milliseconds: number) => setTimeout(callback, milliseconds >>> 0).unref();
  }
  return imports;
}

/** The engine reports Rust panics through `global.PRISMA_WASM_PANIC_REGISTRY.set_message`. */
function installPanicRegistry(): void {
  const holder = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };
  holder.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      // A panic can surface as an uncaught exception ("RuntimeError: unreachable") that ends the
      // process before any caller sees it, so say why right away.
      lastPanicMessage = message;
      process.stderr.write(`Prisma schema engine panicked: ${message}\n`);
    },
  };
}
