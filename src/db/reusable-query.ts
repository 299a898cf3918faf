import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

interface Compiled<Row> {
  readonly query: CompiledQuery<Row>;
  /** For each bound parameter, the argument it takes, or undefined for a constant of the query. */
  readonly slots: readonly (number | undefined)[];
}

/**
 * A query whose SQL is built and compiled once per database handle, then run
 * with new parameters: Kysely's builder and compiler cost as much as SQLite
 * running a small indexed query (docs/PERFORMANCE.md, issue 21). Only for
 * queries of a fixed shape: `build` must bind each argument as one value,
 * unchanged (no branching on it, no arithmetic); a build that does not is
 * refused the first time it runs. (The build sees a marker string in place of
 * each argument, numbers included.) An IN list is given as trailing spread
 * arguments: the query is compiled once per argument count. A transaction is
 * a handle of its own, so the query runs inside it when given one.
 */
export function reusableQuery<Schema, Args extends readonly (string | number)[], Row>(
  build: (db: Kysely<Schema>, ...args: Args) => Compilable<Row>,
): (db: Kysely<Schema>, ...args: Args) => Promise<Row[]> {
  const compiledFor = new WeakMap<Kysely<Schema>, Map<number, Compiled<Row>>>();
  const compile = (db: Kysely<Schema>, arity: number): Compiled<Row> => {
    // Markers no caller's value can equal: each bound parameter that is one says which argument goes there.
    // Mixed case and outer spaces, so a build that lower-cases, upper-cases or trims an argument is caught.
    const markers = Array.from({ length: arity }, (_, index) => ` \u0000Reusable-Query-Argument-${index}\u0000 `);
    const query = build(db, ...(markers as unknown as Args)).compile();
    const slots = query.parameters.map((parameter) => {
      const index = markers.indexOf(parameter as string);
      return index === -1 ? undefined : index;
    });
    if (markers.some((_, index) => slots.filter((slot) => slot === index).length !== 1)) throw new Error('reusableQuery: every argument must be bound once, as given');
    return { query, slots };
  };
  return async (db, ...args) => {
    let byArity = compiledFor.get(db);
    if (byArity === undefined) {
      byArity = new Map();
      compiledFor.set(db, byArity);
    }
    let compiled = byArity.get(args.length);
    if (compiled === undefined) {
      compiled = compile(db, args.length);
      byArity.set(args.length, compiled);
    }
    const { query, slots } = compiled;
    const parameters = query.parameters.map((constant, position) => {
      const slot = slots[position];
      return slot === undefined ? constant : args[slot];
    });
    return (await db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters))).rows;
  };
}
