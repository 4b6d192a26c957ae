// How long-running local operations tell the person what they are doing.
export interface Reporter {
  /** Starts a step; call the returned function with a short result when it is done. */
  step(title: string): (result?: string) => void;
  info(text: string): void;
}

export const silentReporter: Reporter = { step: () => () => undefined, info: () => undefined };
