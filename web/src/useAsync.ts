import { useCallback, useEffect, useState, type DependencyList } from 'react';

export type AsyncState<T> = { readonly status: 'loading' } | { readonly status: 'done'; readonly value: T } | { readonly status: 'failed'; readonly error: unknown };

/**
 * Runs `load` when `dependencies` change and on `reload()`; a run that is
 * overtaken is aborted and its answer ignored, so a slow old answer never
 * replaces a newer one.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, dependencies: DependencyList): readonly [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'done', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'failed', error });
      },
    );
    return () => {
      controller.abort();
    };
    // `load` is a fresh closure on every render; the caller lists what it depends on.
  }, [...dependencies, generation]);

  const reload = useCallback(() => {
    setGeneration((current) => current + 1);
  }, []);
  return [state, reload] as const;
}
