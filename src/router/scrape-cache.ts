// One read shared by every gauge of a scrape: the admin console is asked at most once per `ms`.

export function cachedFor<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || performance.now() - cached.at > ms) cached = { at: performance.now(), value: read() };
    return cached.value;
  };
}
