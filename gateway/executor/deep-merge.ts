// @apollo/gateway's deepMerge (utilities/deepMerge.js): how a subgraph's answer joins the
// results gathered so far. Same rules, so both executors build the same tree.
export type ResultObject = Record<string, unknown>;

const isObject = (value: unknown): value is ResultObject => value !== null && typeof value === 'object' && !Array.isArray(value);

// A key such as `__proto__` or `constructor` becomes an own property instead of reaching the prototype.
function defineOwn(target: ResultObject, key: string): void {
  if (!Object.prototype.hasOwnProperty.call(target, key) && key in target) {
    Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
  }
}

export function deepMerge(target: unknown, source: unknown): unknown {
  if (source === undefined || source === null) return target;
  const into = target as ResultObject;
  const from = source as ResultObject;
  for (const key of Object.keys(from)) {
    const value = from[key];
    if (value === undefined) continue;
    defineOwn(into, key);
    const existing = into[key];
    if (existing && isObject(value)) {
      deepMerge(existing, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let index = 0; index < value.length; index++) {
        const element: unknown = value[index];
        if (isObject(existing[index]) && isObject(element)) deepMerge(existing[index], element);
        else existing[index] = element;
      }
    } else {
      into[key] = value;
    }
  }
  return target;
}
