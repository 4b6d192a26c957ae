// Limits on spec input, in a module of their own so the CLI can check a file before loading the parser.

/** A spec is a few kilobytes; anything this big is the wrong file, and parsing it costs memory. */
export const MAX_SPEC_BYTES = 1024 * 1024;
