import { setFlagsFromString } from 'node:v8';

/**
 * Whether V8 keeps two objects in one hidden class (its own `%HaveSameMap`). Objects that each
 * get a class of their own cost several times their size; caches and the article list hold tens
 * of thousands. The flag applies to code compiled after it, hence the Function.
 */
export function sameShape(a: object, b: object): boolean {
  setFlagsFromString('--allow-natives-syntax');
  return (new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean)(a, b);
}
