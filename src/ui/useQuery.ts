/**
 * A worker query run by a component: started when its dependencies change, its answer dropped if
 * they changed again (or the component left) before it came. A query about an archive since
 * replaced is no error: the next archive's query replaces it.
 */
import { type DependencyList, useEffect, useRef, useState } from 'react';
import { messageOf } from '../core/errors';
import { isStale } from '../store/client';

export interface QueryState<T> {
  /** The answer for the current dependencies (with keepPrevious, the last answer until it comes). */
  data: T | undefined;
  /** Why the query for the current dependencies failed. */
  error: string | null;
  /** True while the query for the current dependencies has not answered. */
  loading: boolean;
}

export interface QueryOptions {
  /** Keep showing the last answer while the next loads (pages), instead of nothing. */
  keepPrevious?: boolean;
}

interface Settled<T> {
  deps: DependencyList;
  data: T | undefined;
  error: string | null;
  /** The last answer that came, for these dependencies or earlier ones. */
  lastData: T | undefined;
}

function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((dep, i) => Object.is(dep, b[i]));
}

/**
 * Runs `run` whenever `deps` change (`run` itself may be a new function on every render: only
 * `deps` say when it must run again). A null `run` asks for nothing: no data, not loading.
 */
export function useQuery<T>(
  run: (() => Promise<T>) | null,
  deps: DependencyList,
  options: QueryOptions = {},
): QueryState<T> {
  const [settled, setSettled] = useState<Settled<T> | null>(null);
  /** The deps of the query last started (the very array), null while none is asked for. */
  const started = useRef<DependencyList | null>(null);
  const enabled = run !== null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps say what the query depends on
  useEffect(() => {
    if (!run) {
      started.current = null;
      return;
    }
    started.current = deps;
    let live = true;
    run().then(
      (data) => {
        if (live) setSettled({ deps, data, error: null, lastData: data });
      },
      (error: unknown) => {
        if (!live || isStale(error)) return;
        setSettled((prev) => ({ deps, data: undefined, error: messageOf(error), lastData: prev?.lastData }));
      },
    );
    return () => {
      live = false;
    };
  }, [enabled, ...deps]);
  // An answer is the current one only if it came from the query last started and that query was
  // asked with these deps: a render with new deps, before the effect starts their query, must not
  // show the old answer as theirs; nor may deps that come back (the same path in the next archive)
  // take an answer from before.
  const current =
    enabled && settled !== null && settled.deps === started.current && sameDeps(settled.deps, deps)
      ? settled
      : null;
  return {
    data: current ? current.data : options.keepPrevious && enabled ? settled?.lastData : undefined,
    error: current?.error ?? null,
    loading: enabled && current === null,
  };
}
